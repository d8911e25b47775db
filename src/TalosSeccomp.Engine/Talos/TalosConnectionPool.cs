namespace TalosSeccomp.Talos;

/// <summary>
/// Session-wide cache of open connections to Talos endpoints, keyed by (endpoint set, credentials), so
/// every cmdlet call in a session reuses one TLS connection per endpoint set.
/// </summary>
public static partial class TalosConnectionPool
{
    private static readonly List<IDisposable> Open = new();

    /// <summary>Closes every pooled connection. Called when the module is removed.</summary>
    public static void CloseAll()
    {
        IDisposable[] toClose;
        lock (Open)
        {
            toClose = Open.ToArray();
            Open.Clear();
        }

        foreach (var item in toClose)
        {
            item.Dispose();
        }
    }

    internal static void Track(IDisposable connection)
    {
        lock (Open)
        {
            Open.Add(connection);
        }
    }
}
