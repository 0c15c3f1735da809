using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetExtensions.Interop;
using MlNetExtensions.Numerics;
using Orleans.Runtime;

namespace MlNetExtensions.Sharding;

/// <summary>
/// The client side of one distributed fit: the shard grains of one source, and passes that call every shard in parallel and
/// hand their answers on in shard order (so that sums over them are added in a fixed order whatever the timing). A shard step
/// that fails with a cluster error (a silo that stopped or crashed, a lost connection, a timeout) is retried until
/// <see cref="DistributedFitOptions.RetryTimeout"/>, reloading the shard's rows first where the pass needs them; an error of
/// the shard itself (<see cref="ShardException"/>) fails the pass at once and cancels the other shards' calls.
/// </summary>
internal sealed class ShardFit
{
    private readonly ShardTask[] _tasks;
    private readonly IShardGrain[] _grains;
    private readonly DistributedFitOptions _options;
    private readonly IHostEnvironment _env;
    private readonly IChannel _channel;
    private readonly CancellationToken _cancellation;
    private readonly IGrainFactory _client;
    private readonly string?[] _silos;
    private readonly CancellationTokenSource?[] _attempts;
    private ShardRows[]? _loaded;
    private HashSet<string>? _knownActive;
    private int _passes;
    private int _retries;

    public ShardFit(IGrainFactory client, ShardedDataSource source, TrainerOptions options, bool binaryLabel, DistributedFitOptions fit,
        IHostEnvironment env, IChannel channel, CancellationToken cancellation)
    {
        string fitId = fit.FitId ?? Guid.NewGuid().ToString("N");
        _tasks = source.Shards.Select((path, i) => new ShardTask(i, path, source.Format, source.FeaturizationModelPath, options.LabelColumnName,
            options.FeatureColumnName, options.ExampleWeightColumnName, binaryLabel, (int)options.FeatureLayout, options.MemoryBudgetBytes,
            options.NumberOfThreads)).ToArray();
        _grains = _tasks.Select(t => client.GetGrain<IShardGrain>($"{fitId}/{t.Index}")).ToArray();
        _client = client;
        _silos = new string?[_tasks.Length];
        _attempts = new CancellationTokenSource?[_tasks.Length];
        _options = fit;
        _env = env;
        _channel = channel;
        _cancellation = cancellation;
    }

    public int Count => _tasks.Length;

    /// <summary>Retries so far.</summary>
    public int Retries => _retries;

    /// <summary>
    /// Opens every shard and checks that they agree (the header, or the field count, or the Parquet columns, and the
    /// featurized feature width, all against shard 0's), then fixes the feature layout for all of them: the requested one, or
    /// for Auto the one the reader decides from shard 0's first rows, as in process from the first rows of the data.
    /// </summary>
    /// <returns>Shard 0's description (its schema is the one the model is trained on).</returns>
    public async Task<ShardDescription> DescribeAsync()
    {
        // The members at the start of the fit: a silo that leaves later is noticed against them by the first watch of a pass
        // that lasts, even when every pass before was too short for a watch to run.
        _knownActive = await ActiveSilosAsync(_cancellation).ConfigureAwait(false);
        var requested = (FeatureLayout)_tasks[0].Layout;
        var probe = _tasks.Select((t, i) => i == 0 || requested != FeatureLayout.Auto ? t : t with { Layout = (int)FeatureLayout.Dense }).ToArray();
        var descriptions = await RunAsync("Describe", needsRows: false, 0, _ => 0,
            (grain, index, ct) => grain.DescribeAsync(probe[index], ct)).ConfigureAwait(false);
        for (int i = 0; i < descriptions.Length; i++) Volatile.Write(ref _silos[i], descriptions[i].Silo);
        var first = descriptions[0];
        for (int i = 1; i < descriptions.Length; i++)
        {
            var other = descriptions[i];
            string? difference = _tasks[0].Format.Kind == ShardFileKind.Parquet
                ? Differs("Parquet columns", first.SourceColumns, other.SourceColumns)
                : _tasks[0].Format.HasHeader
                    ? Differs("header", first.HeaderFields, other.HeaderFields)
                    : first.HeaderFields.Length == other.HeaderFields.Length ? null
                    : $"its first line has {other.HeaderFields.Length} fields where shard 0's has {first.HeaderFields.Length}";
            if (difference is null && other.FeatureCount != first.FeatureCount)
                difference = $"its feature column '{_tasks[0].FeatureColumn}' is {other.FeatureType} where shard 0's is {first.FeatureType}";
            if (difference is not null)
                throw new ShardException(i, _tasks[i].Path, other.Silo, typeof(ArgumentOutOfRangeException).FullName!,
                    $"the shard has another schema than shard 0 ('{_tasks[0].Path}'): {difference}. Every shard must have the same columns.");
        }
        var layout = (FeatureLayout)first.Layout;
        _channel.Info(MessageSensitivity.None, requested == FeatureLayout.Auto
            ? string.Format(CultureInfo.InvariantCulture, "Feature layout: {0} for all {1} shards, decided on shard 0 ({2:P2} of the values non-zero, d = {3:N0}).",
                layout, Count, first.MeasuredDensity ?? 1, first.FeatureCount)
            : $"Feature layout: {layout} (as set) for all {Count} shards, d = {first.FeatureCount:N0}.");
        for (int i = 0; i < _tasks.Length; i++) _tasks[i] = _tasks[i] with { Layout = (int)layout };
        return first;
    }

    private static string? Differs(string what, string[] expected, string[] actual)
        => expected.SequenceEqual(actual) ? null
            : $"its {what} is [{string.Join(", ", actual)}] where shard 0's is [{string.Join(", ", expected)}]";

    /// <summary>The schema the model's transformer is trained on: shard 0's featurized schema.</summary>
    public static DataViewSchema TrainSchema(MLContext ml, ShardDescription description)
        => ml.Data.LoadFromBinary(new BytesStreamSource(description.Schema)).Schema;

    /// <summary>
    /// Every shard streamed into its normal-equation statistics, merged in shard order into one accumulator as each answer
    /// arrives (each shard's statistics are dropped once merged).
    /// </summary>
    /// <returns>The merged statistics, and what each shard's pass read.</returns>
    public async Task<(NormalEquationAccumulator Total, ShardRows[] Rows)> AccumulateAsync(int featureCount)
    {
        var total = new NormalEquationAccumulator(featureCount);
        var rows = new ShardRows[Count];
        await RunAsync("Accumulate", needsRows: false, 0, m => 8L * (m.Shift.Length + m.UpperSums.Length),
            async (grain, index, ct) =>
            {
                var moments = await grain.AccumulateAsync(_tasks[index], ct).ConfigureAwait(false);
                Volatile.Write(ref _silos[index], moments.Rows.Silo);
                return moments;
            },
            (index, part) =>
            {
                total.Merge(NormalEquationAccumulator.FromState(new NormalEquationState(part.FeatureCount, part.Count, part.HasShift,
                    part.FeatureShiftIsZero, part.Shift, part.UpperSums)));
                rows[index] = part.Rows;
            }).ConfigureAwait(false);
        return (total, rows);
    }

    /// <summary>Every shard's rows read into its grain's memory.</summary>
    public async Task<ShardRows[]> LoadAsync()
    {
        _loaded = await RunAsync("Load", needsRows: false, 0, _ => 0, async (grain, index, ct) =>
        {
            var rows = await grain.LoadAsync(_tasks[index], ct).ConfigureAwait(false);
            Volatile.Write(ref _silos[index], rows.Silo);
            return rows;
        }).ConfigureAwait(false);
        return _loaded;
    }

    /// <summary><see cref="RunAsync{T}(string, bool, long, Func{T, long}, Func{IShardGrain, int, CancellationToken, Task{T}}, Action{int, T})"/>
    /// for the synchronous minimisers (they run on a thread of their own).</summary>
    public void Run<T>(string stage, long bytesSentPerShard, Func<T, long> bytesReceived, Func<IShardGrain, CancellationToken, Task<T>> call,
        Action<int, T> consume)
        => RunAsync(stage, needsRows: true, bytesSentPerShard, bytesReceived, (grain, _, ct) => call(grain, ct), consume).GetAwaiter().GetResult();

    /// <summary>One pass whose answers are small: all of them, in shard order.</summary>
    private async Task<T[]> RunAsync<T>(string stage, bool needsRows, long bytesSentPerShard, Func<T, long> bytesReceived,
        Func<IShardGrain, int, CancellationToken, Task<T>> call)
    {
        var results = new T[Count];
        await RunAsync(stage, needsRows, bytesSentPerShard, bytesReceived, call, (index, result) => results[index] = result).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// One pass: <paramref name="call"/> on every shard at once, each retried on cluster errors; <paramref name="consume"/> is
    /// given the answers in shard order (so that sums over them are added in a fixed order whatever the timing), each as soon
    /// as it and every earlier shard's have arrived, and the pass keeps no reference to an answer once consumed. The client
    /// thus holds one shard's d² answer at a time when they arrive in order; an answer that arrives before an earlier shard's
    /// waits for it.
    /// </summary>
    private async Task RunAsync<T>(string stage, bool needsRows, long bytesSentPerShard, Func<T, long> bytesReceived,
        Func<IShardGrain, int, CancellationToken, Task<T>> call, Action<int, T> consume)
    {
        ThrowIfCancelled(_env, _cancellation);
        var clock = Stopwatch.StartNew();
        using var pass = CancellationTokenSource.CreateLinkedTokenSource(_cancellation);
        var calls = new Task<T>?[Count];
        for (int i = 0; i < Count; i++)
        {
            int index = i;
            calls[i] = CallShardAsync(index, stage, needsRows, call, pass);
        }
        using var watching = new CancellationTokenSource();
        var watch = Task.WhenAll(WatchSilosAsync(watching.Token), WatchCancellationAsync(pass, watching.Token));
        long received = 0;
        try
        {
            for (int i = 0; i < calls.Length; i++)
            {
                var result = await calls[i]!.ConfigureAwait(false);
                calls[i] = null;
                received += bytesReceived(result);
                consume(i, result);
            }
        }
        catch
        {
            // The first shard (in shard order) that failed on its own account decides the error, once every call has ended
            // (the others were cancelled, or are now).
            await pass.CancelAsync().ConfigureAwait(false);
            var pending = calls.OfType<Task<T>>().ToArray();
            await ((Task)Task.WhenAll(pending)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            ThrowIfCancelled(_env, _cancellation);
            var failure = pending.Where(c => c.IsFaulted).Select(c => c.Exception!.InnerException).OfType<ShardException>()
                .OrderBy(e => e.ShardIndex).FirstOrDefault();
            if (failure is not null) throw failure;
            throw;
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        // A cancellation that came as the last shard answered: never a result after it.
        ThrowIfCancelled(_env, _cancellation);
        _options.Progress?.Report(new DistributedFitProgress(stage, ++_passes, Count, bytesSentPerShard * Count, received, _retries, clock.Elapsed));
    }

    private async Task<T> CallShardAsync<T>(int index, string stage, bool needsRows, Func<IShardGrain, int, CancellationToken, Task<T>> call,
        CancellationTokenSource pass)
    {
        var token = pass.Token;
        var delay = DistributedFitOptions.Defaults.FirstRetryDelay;
        Stopwatch? failing = null;
        bool relocate = Volatile.Read(ref _silos[index]) is null, reload = false;
        while (true)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
            try
            {
                Volatile.Write(ref _attempts[index], attempt);
                if (relocate)
                {
                    // Where the grain is (re)activated, asked with a short timeout; until it answers the watch leaves the
                    // attempt alone, and from then on it abandons the attempt if that silo leaves the cluster.
                    Volatile.Write(ref _silos[index], null);
                    Volatile.Write(ref _silos[index], await _grains[index].LocateAsync(attempt.Token).ConfigureAwait(false));
                    relocate = false;
                }
                if (reload)
                {
                    await ReloadAsync(index, attempt.Token).ConfigureAwait(false);
                    reload = false;
                }
                return await call(_grains[index], index, attempt.Token).ConfigureAwait(false);
            }
            catch (ShardException)
            {
                await pass.CancelAsync().ConfigureAwait(false);
                throw;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (IsClusterError(e))
            {
                failing ??= Stopwatch.StartNew();
                if (failing.Elapsed >= _options.RetryTimeout)
                {
                    await pass.CancelAsync().ConfigureAwait(false);
                    throw new ShardException(index, _tasks[index].Path, null, e.GetType().FullName ?? e.GetType().Name,
                        $"the {stage} step kept failing for {failing.Elapsed.TotalSeconds:F1} s (RetryTimeout {_options.RetryTimeout}); last error: {e.Message}");
                }
                Interlocked.Increment(ref _retries);
                relocate = true;
                reload = needsRows;
                _channel.Warning(MessageSensitivity.None,
                    $"Shard {index} ('{_tasks[index].Path}'), {stage}: {e.GetType().Name}: {e.Message} Retrying in {delay.TotalMilliseconds:F0} ms" +
                    (needsRows ? ", after reloading the shard where its grain lost its rows." : "."));
                await Task.Delay(delay, token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, DistributedFitOptions.Defaults.MaximumRetryDelay.Ticks));
            }
            finally
            {
                Interlocked.CompareExchange(ref _attempts[index], null, attempt);
            }
        }
    }

    /// <summary>
    /// While a pass runs, reads the cluster's active silos once a second. A silo that left since the last look (in this pass
    /// or an earlier one) makes it abandon every call in flight (cancelled, to be retried): a call to a crashed silo, or one
    /// that went through it as the client's gateway, is otherwise only answered by its response timeout, since no live silo
    /// answers for it. A call whose shard's silo is not active is abandoned too.
    /// </summary>
    private async Task WatchSilosAsync(CancellationToken stop)
    {
        while (true)
        {
            await Task.Delay(SiloWatchInterval, stop).ConfigureAwait(false);
            // Not readable just now: the next look (or the calls' own timeouts) will do.
            if (await ActiveSilosAsync(stop).ConfigureAwait(false) is not { } active) continue;
            var departed = _knownActive?.Where(silo => !active.Contains(silo)).ToArray() ?? [];
            _knownActive = active;
            for (int i = 0; i < _attempts.Length; i++)
            {
                if (Volatile.Read(ref _attempts[i]) is not { } attempt) continue;
                var silo = Volatile.Read(ref _silos[i]);
                string? why = departed.Length > 0 ? $"silo {string.Join(", ", departed)} left the cluster (the call may have gone through it)"
                    : silo is not null && !active.Contains(silo) ? $"its silo {silo} is not an active member of the cluster" : null;
                if (why is null) continue;
                _channel.Warning(MessageSensitivity.None, $"Shard {i} ('{_tasks[i].Path}'): {why}; abandoning its call to retry it.");
                try { await attempt.CancelAsync().ConfigureAwait(false); }
                catch (ObjectDisposedException) { } // the call ended meanwhile
            }
        }
    }

    /// <summary>
    /// While a pass runs, looks every <see cref="CancelWatchInterval"/> whether <c>MLContext.CancelExecution()</c> was called
    /// (ML.NET's cancellation has no callback), and if so cancels <paramref name="pass"/>, which cancels every shard's call on
    /// its silo. Apart from the membership watch, whose reads of the cluster can take seconds.
    /// </summary>
    private async Task WatchCancellationAsync(CancellationTokenSource pass, CancellationToken stop)
    {
        while (!MlNetInternals.IsCanceled(_env)) await Task.Delay(CancelWatchInterval, stop).ConfigureAwait(false);
        _channel.Info(MessageSensitivity.None, "MLContext.CancelExecution() was called: cancelling the shards' calls.");
        await pass.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>The cluster's active silos, or null when the membership cannot be read within a few seconds.</summary>
    private async Task<HashSet<string>?> ActiveSilosAsync(CancellationToken stop)
    {
        try
        {
            // GetHosts takes no token (CA2016 sees the invokable's): the wait for it is bounded and cancelled instead.
#pragma warning disable CA2016
            var hosts = await _client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(SiloWatchInterval * 5, stop).ConfigureAwait(false);
#pragma warning restore CA2016
            return hosts.Keys.Select(k => k.ToString()).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Never a result after a cancellation, whichever way it came (the caller's token or <c>MLContext.CancelExecution()</c>) and however late.</summary>
    internal static void ThrowIfCancelled(IHostEnvironment env, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        MlNetInternals.ThrowIfCanceled(env);
    }

    /// <summary>How often a pass checks that its shards' silos are alive.</summary>
    private static readonly TimeSpan SiloWatchInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often a pass checks whether the MLContext was cancelled.</summary>
    private static readonly TimeSpan CancelWatchInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Makes sure the shard's grain holds its rows again, and that they are the rows it held before.</summary>
    private async Task ReloadAsync(int index, CancellationToken token)
    {
        var rows = await _grains[index].LoadAsync(_tasks[index], token).ConfigureAwait(false);
        Volatile.Write(ref _silos[index], rows.Silo);
        var before = _loaded![index];
        if (rows.RowsUsed != before.RowsUsed || rows.WeightSum != before.WeightSum || rows.LabelWeightSum != before.LabelWeightSum)
            throw new ShardException(index, _tasks[index].Path, rows.Silo, typeof(InvalidOperationException).FullName!,
                $"the shard changed during the fit: reloaded after a failure it has {rows.RowsUsed:N0} usable rows of weight {rows.WeightSum:R} " +
                $"where it had {before.RowsUsed:N0} of weight {before.WeightSum:R}.");
    }

    /// <summary>Errors of the cluster rather than of the shard: a silo or connection that went away, a timeout, lost rows.</summary>
    private bool IsClusterError(Exception e)
        => e is Orleans.Runtime.OrleansException or TimeoutException or ShardNotLoadedException or ObjectDisposedException
           || (e is OperationCanceledException && !_cancellation.IsCancellationRequested);

    /// <summary>Drops every shard's rows (best effort: a fit that failed because the cluster did cannot release everything).</summary>
    public async Task ReleaseAsync()
    {
        var release = Task.WhenAll(_grains.Select(g => g.ReleaseAsync()));
        try
        {
            if (await Task.WhenAny(release, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false) != release)
                _channel.Warning(MessageSensitivity.None, "Releasing the shard grains took more than 10 s; the rest deactivate when idle.");
            else
                await release.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _channel.Warning(MessageSensitivity.None, $"Releasing the shard grains failed ({e.GetType().Name}: {e.Message}); they deactivate when idle.");
        }
    }

    /// <summary>Bytes as ML.NET's stream source, for the binary loader that reads the schema back.</summary>
    private sealed class BytesStreamSource(byte[] bytes) : IMultiStreamSource
    {
        public int Count => 1;
        public string? GetPathOrNull(int index) => null;
        public Stream Open(int index) => new MemoryStream(bytes, writable: false);
        public TextReader OpenTextReader(int index) => new StreamReader(Open(index));
    }
}
