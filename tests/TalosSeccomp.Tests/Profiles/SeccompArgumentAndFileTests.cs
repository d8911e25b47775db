using System.Collections;
using System.Text;
using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.Profiles;

public class SeccompArgumentAndFileTests
{
    [Fact]
    public void ArgumentsFromDictionariesAcceptPowerShellShapes()
    {
        var a = SeccompArgument.FromDictionary(new Hashtable { ["index"] = 1, ["VALUE"] = "0xffffffffffffffff", ["Op"] = "MaskedEqual", ["ValueTwo"] = 4L });
        Assert.Equal((1u, ulong.MaxValue, 4UL, SeccompOperator.MaskedEqual), (a.Index, a.Value, a.ValueTwo!.Value, a.Op));
        var b = SeccompArgument.FromDictionary(new Hashtable { ["Index"] = 0, ["Value"] = 18446744073709551615UL });
        Assert.Equal((ulong.MaxValue, SeccompOperator.Equal, (ulong?)null), (b.Value, b.Op, b.ValueTwo));
    }

    [Theory]
    [InlineData("Index", 6, "Value", 1)]
    [InlineData("Index", 0, "Value", -1)]
    [InlineData("Index", 0, "Value", "lots")]
    [InlineData("Index", 0, "Vaule", 1)]
    public void BadArgumentsThrowInvalidSeccompArgument(string k1, object v1, string k2, object v2)
    {
        var ex = Assert.Throws<TalosSeccompException>(() => SeccompArgument.FromDictionary(new Hashtable { [k1] = v1, [k2] = v2 }));
        Assert.Equal(("InvalidSeccompArgument", ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));
    }

    [Fact]
    public void UnknownOperatorInDictionaryThrowsInvalidSeccompOperator()
    {
        var ex = Assert.Throws<TalosSeccompException>(() => SeccompArgument.FromDictionary(new Hashtable { ["Index"] = 0, ["Value"] = 1, ["Op"] = "ABOUT" }));
        Assert.Equal("InvalidSeccompOperator", ex.ErrorId);
    }

    [Fact]
    public void FilesAreWrittenAsNodeBytesAndReadBack()
    {
        var directory = Directory.CreateTempSubdirectory("talosseccomp-profiles-");
        try
        {
            var path = Path.Combine(directory.FullName, "audit.json");
            var profile = new SeccompProfile("Log");
            SeccompProfileFile.Write(profile, path);
            Assert.Equal(Encoding.UTF8.GetBytes("{\"defaultAction\":\"SCMP_ACT_LOG\"}"), File.ReadAllBytes(path));

            var read = SeccompProfileFile.Read(path);
            Assert.Equal(("audit.json", path), (read.Name, read.Source));

            var exists = Assert.Throws<TalosSeccompException>(() => SeccompProfileFile.Write(profile, path, noClobber: true));
            Assert.Equal("SeccompProfileFileExists", exists.ErrorId);

            SeccompProfileFile.Write(profile, path, indent: true);
            Assert.Equal("{\n  \"defaultAction\": \"SCMP_ACT_LOG\"\n}\n", File.ReadAllText(path));
            Assert.Single(directory.GetFiles());

            var missing = Assert.Throws<TalosSeccompException>(() => SeccompProfileFile.Read(Path.Combine(directory.FullName, "nope.json")));
            Assert.Equal(("SeccompProfileFileNotFound", ErrorKind.ObjectNotFound), (missing.ErrorId, missing.Kind));

            File.WriteAllText(path, "{\"defaultAction\":\"SCMP_ACT_NOPE\"}");
            var bad = Assert.Throws<TalosSeccompException>(() => SeccompProfileFile.Read(path));
            Assert.Equal("InvalidSeccompAction", bad.ErrorId);
            Assert.Contains(path, bad.Message, StringComparison.Ordinal);
            Assert.Equal("SCMP_ACT_NOPE", SeccompProfileFile.Read(path, lenient: true).DefaultAction);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void ReadOnlyFilesNeedForce()
    {
        var directory = Directory.CreateTempSubdirectory("talosseccomp-profiles-");
        try
        {
            var path = Path.Combine(directory.FullName, "ro.json");
            File.WriteAllText(path, "old");
            new FileInfo(path).IsReadOnly = true;
            var ex = Assert.Throws<TalosSeccompException>(() => SeccompProfileFile.Write(new SeccompProfile("Log"), path));
            Assert.Equal("SeccompProfileFileReadOnly", ex.ErrorId);
            Assert.Equal("old", File.ReadAllText(path));
            SeccompProfileFile.Write(new SeccompProfile("Log"), path, force: true);
            Assert.Equal("{\"defaultAction\":\"SCMP_ACT_LOG\"}", File.ReadAllText(path));
        }
        finally
        {
            foreach (var file in directory.GetFiles())
            {
                file.IsReadOnly = false;
            }

            directory.Delete(recursive: true);
        }
    }
}
