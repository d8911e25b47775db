using System.Text;

namespace TalosSeccomp.Audit;

/// <summary>
/// Turns a byte stream delivered in arbitrary chunks (Talos Logs and Read send ≤1 KiB chunks that are not
/// line-aligned and may split a UTF-8 character) into complete text lines.
/// </summary>
/// <remarks>
/// <para>Feed each chunk with <see cref="Append"/>, then call <see cref="TryReadLine"/> until it returns false;
/// at the end of the stream call <see cref="Complete"/> and drain once more to get a last line that had no
/// line ending. Memory is bounded: a line longer than <see cref="MaxLineLength"/> bytes is cut, returned with
/// <c>truncated</c> set as soon as the limit is reached, and the rest of it up to the next line ending is dropped
/// as it arrives.</para>
/// <para>Not thread-safe: one assembler per stream.</para>
/// </remarks>
public sealed class AuditLineAssembler
{
    /// <summary>The default longest line kept whole: 64 KiB.</summary>
    public const int DefaultMaxLineLength = 64 * 1024;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private byte[] _bytes;
    private char[] _chars = new char[1024];
    private int _start;      // first byte not yet returned
    private int _scanned;    // bytes before this index (from _start) hold no '\n'
    private int _end;        // end of buffered bytes
    private int _tailLength; // bytes of the unterminated last line seen so far (kept ones only)
    private bool _dropping;  // the unterminated line hit the limit: drop bytes until '\n'
    private bool _cutReturned; // the cut line was already returned, so its '\n' ends nothing
    private bool _completed;
    private long _basePosition; // stream position of _bytes[0]
    private readonly Queue<long> _cutLineEnds = new(); // stream positions of the '\n's that end cut lines

    /// <summary>Creates an assembler.</summary>
    /// <param name="maxLineLength">The longest line, in bytes, returned whole (at least 16).</param>
    public AuditLineAssembler(int maxLineLength = DefaultMaxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 16);
        MaxLineLength = maxLineLength;
        _bytes = new byte[Math.Min(maxLineLength, 4096) + 1024];
    }

    /// <summary>The longest line, in bytes, returned whole.</summary>
    public int MaxLineLength { get; }

    /// <summary>The byte buffer's current size (for tests of the memory bound).</summary>
    internal int BufferCapacity => _bytes.Length;

    /// <summary>How many lines were cut because they exceeded <see cref="MaxLineLength"/>.</summary>
    internal long TruncatedLines { get; private set; }

    /// <summary>Adds the next chunk of the stream. Drain with <see cref="TryReadLine"/> before appending more, or complete lines accumulate.</summary>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public void Append(ReadOnlySpan<byte> chunk)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The stream was already completed.");
        }

        while (!chunk.IsEmpty)
        {
            int newline = chunk.IndexOf((byte)'\n');
            if (_dropping)
            {
                if (newline < 0)
                {
                    return;
                }

                if (!_cutReturned)
                {
                    // End the cut line, still buffered, and remember that this line ending closes a cut line.
                    Store("\n"u8);
                    _cutLineEnds.Enqueue(_basePosition + _end - 1);
                }

                _dropping = false;
                _cutReturned = false;
                _tailLength = 0;
                chunk = chunk[(newline + 1)..];
                continue;
            }

            int content = newline < 0 ? chunk.Length : newline;
            int room = MaxLineLength - _tailLength;
            if (content > room)
            {
                Store(chunk[..room]);
                _tailLength += room;
                _dropping = true;
                TruncatedLines++;
                chunk = chunk[room..];
                continue;
            }

            if (newline < 0)
            {
                Store(chunk);
                _tailLength += chunk.Length;
                return;
            }

            Store(chunk[..(newline + 1)]);
            _tailLength = 0;
            chunk = chunk[(newline + 1)..];
        }
    }

    /// <summary>Marks the end of the stream: a last line without a line ending becomes readable.</summary>
    public void Complete() => _completed = true;

    /// <summary>
    /// Returns the next complete line (without <c>\n</c> or <c>\r\n</c>), decoded from UTF-8; invalid bytes
    /// become U+FFFD. The span is valid until the next call on this assembler.
    /// </summary>
    /// <param name="line">The line.</param>
    /// <param name="truncated">True when the line was longer than <see cref="MaxLineLength"/> and was cut.</param>
    /// <returns>False when no complete line is buffered.</returns>
    public bool TryReadLine(out ReadOnlySpan<char> line, out bool truncated)
    {
        line = default;
        truncated = false;
        int newline = _bytes.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
        if (newline >= 0)
        {
            int lineEnd = _scanned + newline;
            var bytes = _bytes.AsSpan(_start, lineEnd - _start);
            _start = _scanned = lineEnd + 1;

            truncated = _cutLineEnds.Count > 0 && _cutLineEnds.Peek() == _basePosition + lineEnd;
            if (truncated)
            {
                _cutLineEnds.Dequeue();
            }

            line = Decode(bytes, truncated);
            return true;
        }

        _scanned = _end;
        if (_dropping && !_cutReturned && _end > _start)
        {
            // The cut line is complete as far as we keep it: hand it out now rather than wait for its end.
            line = Decode(_bytes.AsSpan(_start, _end - _start), cut: true);
            truncated = true;
            _cutReturned = true;
            _start = _scanned = _end;
            return true;
        }

        if (_completed && _end > _start)
        {
            line = Decode(_bytes.AsSpan(_start, _end - _start), cut: _dropping && !_cutReturned);
            truncated = _dropping && !_cutReturned;
            _start = _scanned = _end;
            return true;
        }

        return false;
    }

    private void Store(ReadOnlySpan<byte> bytes)
    {
        if (_bytes.Length - _end < bytes.Length)
        {
            MakeRoom(bytes.Length);
        }

        bytes.CopyTo(_bytes.AsSpan(_end));
        _end += bytes.Length;
    }

    private void MakeRoom(int needed)
    {
        int live = _end - _start;
        if (_start > 0)
        {
            _bytes.AsSpan(_start, live).CopyTo(_bytes);
            _basePosition += _start;
            _scanned -= _start;
            _end = live;
            _start = 0;
        }

        if (_bytes.Length - _end < needed)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _end + needed));
        }
    }

    private ReadOnlySpan<char> Decode(ReadOnlySpan<byte> bytes, bool cut)
    {
        if (cut)
        {
            bytes = WithoutPartialCharacter(bytes);
        }
        else if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        if (_chars.Length < bytes.Length)
        {
            // UTF-8 never needs more UTF-16 units than bytes.
            _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        }

        int count = Utf8.GetChars(bytes, _chars);
        return _chars.AsSpan(0, count);
    }

    /// <summary>Drops a multi-byte character the cut split, so a cut line does not end in U+FFFD.</summary>
    private static ReadOnlySpan<byte> WithoutPartialCharacter(ReadOnlySpan<byte> bytes)
    {
        int continuation = 0;
        while (continuation < 3 && continuation < bytes.Length && (bytes[^(continuation + 1)] & 0xC0) == 0x80)
        {
            continuation++;
        }

        if (continuation < bytes.Length)
        {
            byte lead = bytes[^(continuation + 1)];
            int expected = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
            if (lead >= 0xC0 && expected > continuation)
            {
                return bytes[..^(continuation + 1)];
            }
        }

        return bytes;
    }
}
