using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Numerics;
using MlNetExtensions.Numerics.Glm;
using Orleans.Placement;

namespace MlNetExtensions.Sharding;

/// <summary>
/// The silo side of a distributed fit: reads its shard with the core library's one reader and runs the core library's passes
/// (the normal-equation accumulator, the in-process GLM objective) over it. The work runs off the activation's scheduler, so
/// that a cancellation from the client reaches it while it runs.
/// </summary>
[RandomPlacement]
internal sealed class ShardGrain : Grain, IShardGrain
{
    private ShardTask? _task;
    private ShardRows? _rows;
    private GlmObjective<LogisticLoss>? _objective;

    public Task<string> LocateAsync(CancellationToken cancellationToken) => Task.FromResult(RuntimeIdentity);

    public Task<ShardDescription> DescribeAsync(ShardTask task, CancellationToken cancellationToken)
        => RunAsync(task, async (env, ml) =>
        {
            var (raw, header, sources) = await ShardReader.OpenAsync(ml, task, cancellationToken);
            var view = ShardReader.Featurize(ml, raw, task);
            var reader = CreateReader(view, task, (FeatureLayout)task.Layout);
            var features = view.Schema[task.FeatureColumn];
            return new ShardDescription(reader.FeatureCount, (int)reader.Layout, reader.MeasuredDensity, header, sources,
                SchemaBytes(ml, view), features.Type.ToString() ?? "", RuntimeIdentity);
        }, cancellationToken);

    public Task<ShardMoments> AccumulateAsync(ShardTask task, CancellationToken cancellationToken)
        => RunAsync(task, async (env, ml) =>
        {
            var reader = await OpenReaderAsync(ml, task, cancellationToken);
            var (accumulator, summary) = ClosedFormLinearRegressionTrainer.AccumulateSums(env, null, reader, task.Threads);
            var snapshot = accumulator.ExportState();
            // The label sums are the logistic fit's: the linear fit's statistics carry what it needs.
            var rows = new ShardRows(summary.RowsRead, summary.RowsUsed, summary.RowsSkippedMissing, summary.WeightSum, double.NaN, 0, RuntimeIdentity);
            return new ShardMoments(rows, snapshot.FeatureCount, snapshot.Count, snapshot.HasShift, snapshot.FeatureShiftIsZero,
                snapshot.Shift, snapshot.UpperSums);
        }, cancellationToken);

    public Task<ShardRows> LoadAsync(ShardTask task, CancellationToken cancellationToken)
    {
        if (_rows is not null && _task is not null)
        {
            // The activation's rows are those of the task it was loaded for: another task (a fit that shares this one's FitId
            // and runs at the same time, with other columns, layout or files) must not train on them.
            var differences = Differences(_task, task);
            return differences.Length == 0 ? Task.FromResult(_rows)
                : Task.FromException<ShardRows>(new ShardException(task.Index, task.Path, RuntimeIdentity, typeof(InvalidOperationException).FullName!,
                    $"its grain '{this.GetPrimaryKeyString()}' holds the rows of another fit's shard, which differs in {string.Join(", ", differences)}: " +
                    $"fits that share a {nameof(DistributedFitOptions.FitId)} must not overlap in time (leave FitId null for a new one per fit)."));
        }
        return RunAsync(task, async (env, ml) =>
        {
            var reader = await OpenReaderAsync(ml, task, cancellationToken);
            var set = reader.ReadAll(env, null, MemoryBudget.For(task.MemoryBudgetBytes));
            var data = new GlmData(set, task.WeightColumn is not null);
            // The partial sums of the in-process objective over this shard's rows: Σw = 1 and λ = 0 leave them unscaled and
            // unpenalised, and the client scales and penalises their total exactly as the in-process objective does.
            _objective = new GlmObjective<LogisticLoss>(set.Features, set.Labels, data.Weighted ? set.Weights : null, 1.0, 0.0,
                TrainerOptions.MaximumThreadsFor(task.Threads));
            _task = task;
            _rows = new ShardRows(set.Summary.RowsRead, set.Summary.RowsUsed, set.Summary.RowsSkippedMissing, data.WeightSum, data.LabelWeightSum,
                data.PositiveWeightRows, RuntimeIdentity);
            return _rows;
        }, cancellationToken);
    }

    public Task<ShardPass> EvaluateAsync(double[] parameters, CancellationToken cancellationToken)
        => RunLoadedAsync(objective =>
        {
            var gradient = new double[objective.Dimension];
            double loss = objective.Evaluate(parameters, gradient);
            return new ShardPass(loss, gradient, objective.LastMinMargin, objective.LastMaxAbsScore);
        }, cancellationToken);

    public Task<double[]> HessianAsync(double[] parameters, bool curvatureBound, CancellationToken cancellationToken)
        => RunLoadedAsync(objective =>
        {
            var h = curvatureBound ? objective.CurvatureBoundHessian() : objective.Hessian(parameters);
            int m = h.RowCount;
            var upper = new double[m * (m + 1) / 2];
            int at = 0;
            for (int i = 0; i < m; i++)
                for (int j = i; j < m; j++) upper[at++] = h[i, j];
            return upper;
        }, cancellationToken);

    public Task<double[]> GramProductAsync(double[] vector, CancellationToken cancellationToken)
        => RunLoadedAsync(objective =>
        {
            var product = new double[vector.Length];
            objective.GramProduct(vector, product);
            return product;
        }, cancellationToken);

    public Task ReleaseAsync()
    {
        _objective = null;
        _rows = null;
        _task = null;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>The properties in which two tasks differ (compared by value, arrays included).</summary>
    internal static string[] Differences(ShardTask held, ShardTask asked)
        => typeof(ShardTask).GetProperties()
            .Where(p => JsonSerializer.Serialize(p.GetValue(held)) != JsonSerializer.Serialize(p.GetValue(asked)))
            .Select(p => p.Name).ToArray();

    private static TrainingDataReader CreateReader(IDataView view, ShardTask task, FeatureLayout layout)
        => TrainingDataReader.Create(view, task.LabelColumn, task.FeatureColumn, task.WeightColumn,
            task.BinaryLabel ? LabelKind.Binary : LabelKind.Regression, layout);

    private static async Task<TrainingDataReader> OpenReaderAsync(MLContext ml, ShardTask task, CancellationToken cancellationToken)
    {
        var (raw, _, _) = await ShardReader.OpenAsync(ml, task, cancellationToken);
        return CreateReader(ShardReader.Featurize(ml, raw, task), task, (FeatureLayout)task.Layout);
    }

    /// <summary>The featurized schema in ML.NET's binary format with no rows (hidden columns dropped).</summary>
    private static byte[] SchemaBytes(MLContext ml, IDataView view)
    {
        using var stream = new MemoryStream();
        ml.Data.SaveAsBinary(new NoRowsView(view), stream, keepHidden: false);
        return stream.ToArray();
    }

    /// <summary>
    /// A view's schema with none of its rows: its cursors hand out the inner cursor's getters (so the binary saver can set
    /// itself up) but never move. ML.NET's TakeRows refuses a count of 0.
    /// </summary>
    private sealed class NoRowsView(IDataView inner) : IDataView
    {
        public DataViewSchema Schema => inner.Schema;
        public bool CanShuffle => false;
        public long? GetRowCount() => 0;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
            => new Cursor(inner.GetRowCursor(columnsNeeded));

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
            => [GetRowCursor(columnsNeeded)];

        private sealed class Cursor(DataViewRowCursor inner) : DataViewRowCursor
        {
            public override DataViewSchema Schema => inner.Schema;
            public override long Position => -1;
            public override long Batch => 0;
            public override bool MoveNext() => false;
            public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }

    /// <summary>
    /// Runs a shard read on the thread pool with an ML.NET context whose environment <paramref name="cancellationToken"/>
    /// cancels (the reader checks it every 65,536 rows), turning every failure but cancellation into a <see cref="ShardException"/>.
    /// </summary>
    private Task<T> RunAsync<T>(ShardTask task, Func<IHostEnvironment, MLContext, Task<T>> work, CancellationToken cancellationToken)
    {
        string silo = RuntimeIdentity;
        return Task.Run(async () =>
        {
            var ml = new MLContext(seed: 0);
            using var registration = cancellationToken.Register(() => MlNetInternals.CancelExecution(ml));
            try
            {
                var result = await work(MlNetInternals.EnvironmentOf(ml), ml);
                // Never a partial result: a read that ended because it was cancelled is not a read of the whole shard.
                cancellationToken.ThrowIfCancellationRequested();
                return result;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw AsShardException(task.Index, task.Path, silo, e);
            }
        }, cancellationToken);
    }

    private Task<T> RunLoadedAsync<T>(Func<GlmObjective<LogisticLoss>, T> pass, CancellationToken cancellationToken)
    {
        var objective = _objective;
        var task = _task;
        if (objective is null || task is null)
            throw new ShardNotLoadedException($"The shard grain '{this.GetPrimaryKeyString()}' on silo {RuntimeIdentity} holds no rows (it was (re)activated after the load).");
        string silo = RuntimeIdentity;
        return Task.Run(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return pass(objective);
            }
            catch (Exception e)
            {
                throw AsShardException(task.Index, task.Path, silo, e);
            }
        }, cancellationToken);
    }

    private static ShardException AsShardException(int index, string path, string silo, Exception e)
    {
        // ML.NET wraps the useful message a few exceptions deep (e.g. a pipeline that expects other columns).
        var inner = e;
        while (inner is System.Reflection.TargetInvocationException or AggregateException && inner.InnerException is not null) inner = inner.InnerException;
        return e as ShardException ?? new ShardException(index, path, silo, inner.GetType().FullName ?? inner.GetType().Name, inner.Message);
    }
}
