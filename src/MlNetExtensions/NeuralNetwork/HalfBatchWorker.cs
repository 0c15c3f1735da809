namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// A helper thread that runs the second half of a batch while the training thread runs the first. If the helper has
/// not picked the job up by the time the first half is done (the other core is busy), the training thread takes the
/// job back and runs it itself; either way each half is computed by the same code on the same rows, so the results
/// are bit-identical whichever thread ran it.
/// </summary>
internal sealed class HalfBatchWorker : IDisposable
{
    private const int Idle = 0, Posted = 1, Taken = 2, Done = 3;

    private readonly Action _secondHalf;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _posted = new(initialState: false, spinCount: 200);
    private volatile bool _stopping;
    private int _state;
    private Exception? _error;

    public HalfBatchWorker(Action secondHalf)
    {
        _secondHalf = secondHalf;
        _thread = new Thread(Loop) { IsBackground = true, Name = "MlNetExtensions MLP half-batch worker" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="firstHalf"/> here and the second half on the helper (or here, if it is late).</summary>
    public void Run(Action firstHalf)
    {
        Volatile.Write(ref _state, Posted);
        _posted.Set();
        firstHalf();
        if (Interlocked.CompareExchange(ref _state, Taken, Posted) == Posted)
            _secondHalf();
        else
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _state) != Done) spin.SpinOnce(sleep1Threshold: -1);
        }
        Volatile.Write(ref _state, Idle);
        if (Interlocked.Exchange(ref _error, null) is { } error)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
    }

    private void Loop()
    {
        while (true)
        {
            _posted.Wait();
            _posted.Reset();
            if (_stopping) return;
            if (Interlocked.CompareExchange(ref _state, Taken, Posted) != Posted) continue;
            try
            {
                _secondHalf();
            }
            catch (Exception e)
            {
                _error = e;
            }
            finally
            {
                Volatile.Write(ref _state, Done);
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _posted.Set();
        _thread.Join();
        _posted.Dispose();
    }
}
