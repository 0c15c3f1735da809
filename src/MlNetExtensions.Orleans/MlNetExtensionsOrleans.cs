using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Numerics;
using MlNetExtensions.Numerics.Glm;
using MlNetExtensions.Numerics.Optimization;
using MlNetExtensions.Sharding;

namespace MlNetExtensions;

/// <summary>
/// Fits this library's trainers over data shards on a Microsoft Orleans cluster. Each shard is read on a silo by a grain of its
/// own, with the same reader, checks and passes as in process; the client adds the shards' results in shard order and runs
/// the same solver, minimisers and statistics, so the model equals the in-process fit on the shards' rows concatenated (up to
/// the order of floating-point sums) and is the same ML.NET object the in-process trainer returns.
/// </summary>
/// <remarks>
/// The silos must reference this package (its grains are found by Orleans' code generation, no registration needed), and every
/// silo must be able to read every shard and the featurization model (a shared or mounted file system). A silo that stops or
/// crashes during a fit costs a retry, not the fit: its shards' grains reactivate on the remaining silos and reload their
/// shard (see <see cref="DistributedFitOptions.RetryTimeout"/>). A fit that fails or is cancelled returns no model and
/// releases the rows its grains held.
/// </remarks>
public static class MlNetExtensionsOrleans
{
    /// <summary>
    /// Closed-form linear regression over the shards of <paramref name="source"/>: every shard streams into the normal-equation
    /// statistics on its silo (O(d²) each, no rows held), the client merges them in shard order and solves once.
    /// </summary>
    /// <param name="client">The cluster client (or a grain factory inside the cluster).</param>
    /// <param name="source">The shards and how to read them.</param>
    /// <param name="options">The trainer's options, as for <c>ClosedFormLinearRegression(options)</c>; NumberOfThreads, FeatureLayout
    /// and MemoryBudgetBytes apply on each silo.</param>
    /// <param name="distributedOptions">How the fit runs on the cluster; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the fit, including the shard reads running on the silos.</param>
    /// <returns>ML.NET's prediction transformer, with the statistics attached (<c>model.Model.GetStatistics()</c>).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad option, or Solver = ConjugateGradient (it needs the rows in one process).</exception>
    /// <exception cref="ShardException">A shard could not be read (the message names it, its silo and the silo's error), or kept failing on the cluster.</exception>
    /// <exception cref="InvalidOperationException">The normal equations at this d do not fit the memory budget or a shard's statistics
    /// do not fit in one Orleans message (MaxMessageBodySize, 100 MB by default: d above about 5,100), or the coefficients do not fit in Single.</exception>
    /// <exception cref="OperationCanceledException">The fit was cancelled.</exception>
    public static async Task<RegressionPredictionTransformer<LinearRegressionModelParameters>> FitClosedFormLinearRegressionAsync(
        this IGrainFactory client, ShardedDataSource source, ClosedFormLinearRegressionTrainer.Options options,
        DistributedFitOptions? distributedOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(source);
        options = TrainerOptions.CheckedCopy(options);
        if (options.Solver == LinearRegressionSolver.ConjugateGradient)
            throw new ArgumentOutOfRangeException(nameof(options), options.Solver,
                "Solver = ConjugateGradient iterates over rows held in one process; the distributed fit solves the normal equations (NormalEquations or Auto).");
        var fit = Prepare(distributedOptions, out var ml);
        var env = MlNetInternals.EnvironmentOf(ml);
        using var channel = env.Start("Distributed" + nameof(ClosedFormLinearRegressionTrainer));
        var clock = Stopwatch.StartNew();
        var shards = new ShardFit(client, source, options, binaryLabel: false, fit, env, channel, cancellationToken);
        try
        {
            var description = await shards.DescribeAsync().ConfigureAwait(false);
            int d = description.FeatureCount;
            var solver = ClosedFormLinearRegressionTrainer.ChooseSolver(options.Solver, d, MemoryBudget.For(options), channel);
            if (solver != LinearRegressionSolver.NormalEquations)
                throw new InvalidOperationException(
                    $"At d = {d:N0} features the normal equations are not solved by default (more than {ClosedFormLinearRegressionTrainer.AutoNormalEquationsFeatureLimit:N0} " +
                    "features, or over the memory budget), and the distributed fit has no conjugate-gradient solver. Set Solver = NormalEquations " +
                    "(and MemoryBudgetBytes if needed) to solve them anyway.");
            MessageLimit.Require(MessageLimit.NormalEquationBytes(d), MessageLimit.Of(client),
                $"A shard's normal-equation statistics at d = {d:N0} features", "The distributed linear fit always sends them: reduce d (e.g. in the featurization)");
            var (total, read) = await shards.AccumulateAsync(d).ConfigureAwait(false);
            LogRead(channel, read, clock);
            var solution = ClosedFormLinearRegressionTrainer.SolveNormalEquations(total, options, channel);
            var model = ClosedFormLinearRegressionTrainer.CreateTransformer(env, channel, options, solution, ShardFit.TrainSchema(ml, description));
            ShardFit.ThrowIfCancelled(env, cancellationToken);
            channel.Info(MessageSensitivity.None, $"Distributed closed-form linear regression over {shards.Count} shards: {clock.ElapsedMilliseconds} ms, {shards.Retries} retries.");
            return model;
        }
        finally
        {
            await shards.ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Logistic regression on binary cross-entropy over the shards of <paramref name="source"/>: every shard's grain holds its
    /// featurized rows across iterations; each iteration sends θ to every shard and adds their loss, gradient and (Newton)
    /// Hessian sums in shard order; the minimisers (Newton, L-BFGS, full-batch gradient descent), the separation rule and the
    /// statistics are the in-process trainer's.
    /// </summary>
    /// <param name="client">The cluster client (or a grain factory inside the cluster).</param>
    /// <param name="source">The shards and how to read them.</param>
    /// <param name="options">The trainer's options, as for <c>BceLogisticRegression(options)</c>; NumberOfThreads, FeatureLayout
    /// and MemoryBudgetBytes apply on each silo (the budget also on the client, for Newton's Hessian).</param>
    /// <param name="distributedOptions">How the fit runs on the cluster; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the fit, including the shard reads and passes running on the silos.</param>
    /// <returns>ML.NET's calibrated binary prediction transformer, with the statistics and the training report attached.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad option, or BatchSize set (mini-batches need the rows in one process).</exception>
    /// <exception cref="ShardException">A shard could not be read (the message names it, its silo and the silo's error), or kept failing on the cluster.</exception>
    /// <exception cref="InvalidOperationException">A single class in the labels, a shard's Hessian (for Newton, the statistics or gradient
    /// descent's curvature bound) does not fit in one Orleans message (MaxMessageBodySize, 100 MB by default: d above about 5,100), or the
    /// coefficients do not fit in Single.</exception>
    /// <exception cref="OperationCanceledException">The fit was cancelled.</exception>
    public static async Task<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>> FitBceLogisticRegressionAsync(
        this IGrainFactory client, ShardedDataSource source, BceLogisticRegressionTrainer.Options options,
        DistributedFitOptions? distributedOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(source);
        options = TrainerOptions.CheckedCopy(options);
        if (options.BatchSize is not null)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize,
                "BatchSize (mini-batch gradient descent) shuffles the rows in one process; the distributed fit runs full-batch passes: leave BatchSize null.");
        var fit = Prepare(distributedOptions, out var ml);
        var env = MlNetInternals.EnvironmentOf(ml);
        using var channel = env.Start("Distributed" + nameof(BceLogisticRegressionTrainer));
        var clock = Stopwatch.StartNew();
        var shards = new ShardFit(client, source, options, binaryLabel: true, fit, env, channel, cancellationToken);
        try
        {
            var description = await shards.DescribeAsync().ConfigureAwait(false);
            int d = description.FeatureCount;
            var budget = MemoryBudget.For(options);
            var kind = BceLogisticRegressionTrainer.ChooseMinimizer(options, d, budget, channel);
            // A shard's Hessian travels for Newton, for the statistics, and for gradient descent's exact curvature bound.
            if (kind == MinimizerKind.Newton || (kind == MinimizerKind.GradientDescent && d <= GlmCurvatureBound.ExactLimit)
                || GlmTraining.PlanStatistics(options.ComputeStatistics, d, 0, budget).Compute)
                MessageLimit.Require(MessageLimit.HessianBytes(d), MessageLimit.Of(client), $"A shard's Hessian at d = {d:N0} features (optimizer {kind}, " +
                    $"ComputeStatistics = {options.ComputeStatistics?.ToString() ?? "Auto"})", "Set Optimizer = Lbfgs and ComputeStatistics = false");
            var rows = await shards.LoadAsync().ConfigureAwait(false);
            LogRead(channel, rows, clock);
            var totals = new GlmTotals(rows.Sum(r => r.WeightSum), rows.Sum(r => r.LabelWeightSum), rows.Sum(r => r.PositiveWeightRows));
            BceLogisticRegressionTrainer.RequireBothClasses(options, totals);
            var minimization = BceLogisticRegressionTrainer.MinimizationSettings(options, null, kind);
            var objective = new DistributedGlmObjective(shards, d, rows.Sum(r => r.RowsUsed), totals.WeightSum, options.L2Regularization);
            var schema = ShardFit.TrainSchema(ml, description);
            // The minimisers are synchronous: they run on a thread of their own and wait there for each pass over the shards.
            var model = await Task.Factory.StartNew(
                () => BceLogisticRegressionTrainer.TrainOn(env, channel, clock, options, objective, totals, kind, minimization, budget, schema),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            ShardFit.ThrowIfCancelled(env, cancellationToken);
            channel.Info(MessageSensitivity.None, $"Distributed logistic regression over {shards.Count} shards: {clock.ElapsedMilliseconds} ms, {shards.Retries} retries.");
            return model;
        }
        finally
        {
            await shards.ReleaseAsync().ConfigureAwait(false);
        }
    }

    private static DistributedFitOptions Prepare(DistributedFitOptions? options, out MLContext ml)
    {
        options ??= new DistributedFitOptions();
        options.Validate();
        ml = options.MLContext ?? new MLContext();
        return options;
    }

    private static void LogRead(IChannel channel, ShardRows[] rows, Stopwatch clock)
    {
        long read = rows.Sum(r => r.RowsRead), used = rows.Sum(r => r.RowsUsed), skipped = rows.Sum(r => r.RowsSkipped);
        channel.Info(MessageSensitivity.None,
            $"Read {read:N0} rows from {rows.Length} shards on {rows.Select(r => r.Silo).Distinct().Count()} silos in {clock.ElapsedMilliseconds} ms; using {used:N0}, skipped {skipped:N0} with missing or infinite values.");
        if (skipped > 0)
            channel.Warning(MessageSensitivity.None,
                $"Skipped {skipped:N0} of {read:N0} rows with a NaN or infinite label or feature (shards {string.Join(", ", rows.Select((r, i) => (r, i)).Where(x => x.r.RowsSkipped > 0).Select(x => $"{x.i}: {x.r.RowsSkipped:N0}"))}).");
    }
}
