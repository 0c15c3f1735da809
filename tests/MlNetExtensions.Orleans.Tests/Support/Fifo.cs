using System.Runtime.InteropServices;

namespace MlNetExtensions.Distributed.Tests.Support;

/// <summary>
/// A shard that never ends: a named pipe fed by a thread that writes a header and rows for as long as a reader reads, so that
/// a fit reading it can only stop by being cancelled. The writer sees each reader that opens the pipe and the moment it
/// closes it again (its write fails), which is how a test observes that a silo's read stopped.
/// </summary>
public sealed partial class Fifo : IDisposable
{
    private readonly Thread _writer;
    private volatile bool _stop;
    private long _rowsInSession;
    private int _sessionsEnded;
    private int _longSessionsEnded;

    /// <summary>Rows after which a reading session counts as the streaming read of a pass (not a peek at the first line).</summary>
    public const long LongSession = 100_000;

    public Fifo(string path, string header, Func<long, string> row)
    {
        Path = path;
        // POSIX named pipes (Linux, macOS; what CI runs on). Elsewhere the tests that use them fail saying so, rather than
        // being skipped: a skipped test would pass silently without checking anything.
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("These tests need POSIX named pipes (mkfifo); run them on Linux or macOS.");
        if (MakeFifo(path, 0x180 /* 0600 */) != 0) throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        _writer = new Thread(() => Write(header, row)) { IsBackground = true, Name = "fifo " + System.IO.Path.GetFileName(path) };
        _writer.Start();
    }

    public string Path { get; }

    /// <summary>Rows written to the reader that has the pipe open now (0 when none has).</summary>
    public long RowsInSession => Interlocked.Read(ref _rowsInSession);

    /// <summary>Readers that read more than <see cref="LongSession"/> rows and then closed the pipe.</summary>
    public int LongSessionsEnded => Volatile.Read(ref _longSessionsEnded);

    private void Write(string header, Func<long, string> row)
    {
        while (!_stop)
        {
            try
            {
                using var stream = new FileStream(Path, FileMode.Open, FileAccess.Write); // blocks until a reader opens the pipe
                using var writer = new StreamWriter(stream, bufferSize: 1 << 16);
                writer.WriteLine(header);
                for (long i = 0; !_stop; i++)
                {
                    writer.WriteLine(row(i));
                    Interlocked.Increment(ref _rowsInSession);
                }
            }
            catch (IOException)
            {
                // The reader closed the pipe.
            }
            if (Interlocked.Exchange(ref _rowsInSession, 0) > LongSession) Interlocked.Increment(ref _longSessionsEnded);
            Interlocked.Increment(ref _sessionsEnded);
        }
    }

    public void Dispose()
    {
        _stop = true;
        // A writer waiting for a reader is released by opening the pipe for reading once.
        while (_writer.IsAlive)
        {
            try { using var release = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None); }
            catch (IOException) { }
            _writer.Join(TimeSpan.FromMilliseconds(100));
        }
        File.Delete(Path);
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFifo(string path, uint mode);
}
