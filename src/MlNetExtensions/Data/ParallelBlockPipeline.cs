using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.ML.Runtime;

namespace MlNetExtensions.Data;

/// <summary>
/// One streaming pass of the <see cref="TrainingDataReader"/> whose blocks are processed by the cursor thread alone or
/// handed to worker threads, each with a state of its own that the caller merges afterwards. Used by the passes that fold
/// rows into mergeable sums (the normal equations) rather than holding them.
/// </summary>
internal static class ParallelBlockPipeline
{
    /// <summary>
    /// Streams the data once, on the cursor thread alone or with <paramref name="workers"/> − 1 worker threads that take
    /// full blocks from it (the cursor processes a block itself only when they fall so far behind that no free block is
    /// left to fill). With <paramref name="adaptive"/>, the choice is measured rather than assumed: the cursor thread
    /// processes the first <paramref name="probeRows"/> rows alone, the next <paramref name="probeRows"/> with the workers,
    /// and keeps whichever was faster for the rest. On this kind of shared machine the two vCPUs are sometimes placed so
    /// that handing blocks across costs more than it saves (fits measured 57 ms in one placement, 120 ms in another, against
    /// 88 ms on one thread); small data never starts a thread. The states are returned for the caller to merge; the order
    /// in which blocks reach the states depends on timing, so merged floating-point sums may differ in their last bits.
    /// </summary>
    public static (IReadOnlyList<TState> States, ReadSummary Summary) Run<TState>(TrainingDataReader reader, IHostEnvironment env,
        IChannel? channel, int workers, Func<TState> createState, Action<TState, RowBlock> process, bool adaptive = false,
        long probeRows = 65_536, int blockRows = TrainingDataReader.DefaultBlockRows)
    {
        var inline = createState();
        if (workers <= 1)
        {
            var summary = reader.ForEachBlock(env, channel, b => process(inline, b), blockRows);
            return ([inline], summary);
        }

        // Blocks circulate between the cursor and the workers: a free pool bounds memory to a few blocks.
        int blockCount = workers * 3;
        using var free = new BlockingCollection<RowBlock>(blockCount);
        using var full = new BlockingCollection<RowBlock>(blockCount);
        using var failed = new CancellationTokenSource();
        var states = new TState[workers - 1];
        var threads = new List<Thread>();
        Exception? workerError = null;

        void StartWorkers()
        {
            for (int i = 0; i < blockCount; i++) free.Add(reader.CreateBlock(blockRows));
            for (int t = 0; t < workers - 1; t++)
            {
                int index = t;
                var thread = new Thread(() =>
                {
                    try
                    {
                        var state = createState();
                        states[index] = state;
                        foreach (var block in full.GetConsumingEnumerable())
                        {
                            process(state, block);
                            free.Add(block);
                        }
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref workerError, e, null);
                        failed.Cancel();
                    }
                })
                { IsBackground = true, Name = $"MlNetExtensions worker {t}" };
                threads.Add(thread);
                thread.Start();
            }
        }

        // The cursor thread only reads while a free block is at hand, so reading overlaps the workers' arithmetic (on
        // this kind of machine the two vCPUs share one core's FMA units: a second thread adds little arithmetic, but
        // reading alongside is nearly free). When every block is queued, it processes one itself rather than wait.
        RowBlock NextFreeBlock()
        {
            if (free.TryTake(out var block)) return block;
            if (full.TryTake(out var backlog))
            {
                process(inline, backlog);
                return backlog;
            }
            return free.Take(failed.Token);
        }

        var inlineBlock = reader.CreateBlock(blockRows);
        bool started = false, parallel = false, decided = !adaptive;
        long phaseRows = 0;
        var clock = Stopwatch.StartNew();
        double inlineSeconds = 0;
        if (!adaptive)
        {
            StartWorkers();
            started = parallel = true;
        }
        ReadSummary result;
        try
        {
            result = reader.Stream(env, channel, () => parallel ? NextFreeBlock() : inlineBlock, filled =>
            {
                phaseRows += filled.Count;
                if (parallel)
                {
                    full.Add(filled, failed.Token);
                    if (decided || phaseRows < probeRows) return null;
                    // End of the parallel probe: keep the workers only if they beat the cursor thread alone.
                    decided = true;
                    double parallelSeconds = clock.Elapsed.TotalSeconds;
                    if (parallelSeconds <= inlineSeconds) return null;
                    parallel = false;
                    full.CompleteAdding(); // the workers finish what is queued and stop
                    return inlineBlock;
                }
                process(inline, filled);
                if (decided || phaseRows < probeRows) return filled;
                // End of the single-thread probe: time the same number of rows with the workers.
                inlineSeconds = clock.Elapsed.TotalSeconds;
                if (!started) StartWorkers();
                started = parallel = true;
                phaseRows = 0;
                clock.Restart();
                return null;
            });
        }
        catch (OperationCanceledException) when (workerError is not null)
        {
            result = default;
        }
        finally
        {
            if (!full.IsAddingCompleted) full.CompleteAdding();
            foreach (var thread in threads) thread.Join();
        }
        if (workerError is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(workerError).Throw();
        return (started ? [inline, .. states] : [inline], result);
    }
}
