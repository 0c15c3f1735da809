using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.Numerics;
using MlNetExtensions.Numerics.Glm;
using MlNetExtensions.Numerics.Optimization;

namespace MlNetExtensions;

/// <summary>The settings a GLM trainer's options turn into.</summary>
/// <param name="L2">λ of (λ/2)‖θ‖².</param>
/// <param name="Minimizer">The minimiser, already resolved from Auto (see <see cref="GlmTraining.ChooseMinimizer"/>).</param>
/// <param name="MinimizerName">How the log names it.</param>
/// <param name="Minimization">Tolerance, iteration cap and the optimizer-specific knobs.</param>
/// <param name="ComputeStatistics">true, false, or null for "when cheap" (see <see cref="GlmTraining.PlanStatistics"/>).</param>
internal sealed record GlmSettings(double L2, MinimizerKind Minimizer, string MinimizerName, MinimizerSettings Minimization, bool? ComputeStatistics);

/// <summary>The rows of a GLM fit with the sums every trainer needs before it starts.</summary>
internal sealed class GlmData
{
    public GlmData(TrainingSet set, bool weighted)
    {
        Set = set;
        Weighted = weighted;
        for (int i = 0; i < set.Count; i++)
        {
            double w = set.Weights[i];
            WeightSum += w;
            LabelWeightSum += w * set.Labels[i];
            if (w > 0) PositiveWeightRows++;
        }
    }

    public TrainingSet Set { get; private set; }
    public bool Weighted { get; }
    public int Count => Set.Count;
    public int FeatureCount => Set.FeatureCount;

    /// <summary>Σw.</summary>
    public double WeightSum { get; }

    /// <summary>Σw·y.</summary>
    public double LabelWeightSum { get; }

    /// <summary>Rows with w &gt; 0 (the n of the statistics).</summary>
    public long PositiveWeightRows { get; }

    /// <summary>Σw·y/Σw.</summary>
    public double WeightedLabelMean => LabelWeightSum / WeightSum;

    /// <summary>Shuffles the rows once (for mini-batch gradient descent, which takes contiguous batches) with <paramref name="seed"/>.</summary>
    public void Shuffle(int seed)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        Set = Set.Gather(order);
    }

    /// <summary>Σw of each contiguous batch of <paramref name="batchSize"/> rows.</summary>
    public double[] BatchWeightSums(int batchSize)
    {
        var sums = new double[(Count + batchSize - 1) / batchSize];
        for (int i = 0; i < Count; i++) sums[i / batchSize] += Set.Weights[i];
        return sums;
    }
}

/// <summary>Where a GLM fit ended: the parameters [θ, b], how the minimiser got there, and what the last pass saw.</summary>
internal sealed record GlmFit(double[] Parameters, OptimizationResult Result, double LossSum, double MaxAbsScore, int Threads,
    Matrix<double>? Hessian, string? StatisticsUnavailableReason)
{
    public int FeatureCount => Parameters.Length - 1;
    public double WeightNorm => Math.Sqrt(Parameters.Take(FeatureCount).Sum(v => v * v));
}

/// <summary>
/// What every GLM trainer (logistic, Poisson, …) does between reading its rows and building its model, in one place: choose
/// the minimiser and whether statistics are affordable (both against the memory budget), build the objective over the
/// rows (dense or sparse), minimise, log, check the result, and compute the Hessian for the statistics.
/// </summary>
internal static class GlmTraining
{
    /// <summary>Auto picks Newton up to this many features: its Hessian pass costs O(n·d²), which beyond it loses to L-BFGS's O(n·d) passes.</summary>
    public const int AutoNewtonFeatureLimit = 100;

    /// <summary>Statistics are computed by default (ComputeStatistics null) up to this many features (their inverse costs O(d³))…</summary>
    public const int AutoStatisticsFeatureLimit = 1000;

    /// <summary>…and when their Hessian pass, n·(d + 1)² multiply-adds, stays below this (about half a second at the SYRK
    /// kernel's speed on one core): 200,000 rows × 200 features pass, 200,000 × 1,000 do not.</summary>
    public const double AutoStatisticsWorkLimit = 2e10;

    /// <summary>Newton holds about this many (d + 1)² matrices at once (the Hessian, its scaled copy and factor, the damped trials).</summary>
    private const int NewtonMatrixCopies = 5;

    /// <summary>The statistics hold about this many (d + 1)² matrices at once (the Hessian, its scaled copy, factor, identity and inverse).</summary>
    private const int StatisticsMatrixCopies = 6;

    /// <summary>Bytes Newton or the statistics need at d features.</summary>
    public static double HessianBytes(int featureCount, int copies) => copies * MemoryBudget.SquareMatrixBytes(featureCount + 1L) + (64L << 20);

    /// <summary>
    /// Resolves <paramref name="requested"/> (null = Auto): Newton where d ≤ <see cref="AutoNewtonFeatureLimit"/> and its
    /// (d + 1)² Hessian fits the budget, L-BFGS otherwise (with <paramref name="l1"/> &gt; 0 always L-BFGS, which then runs as
    /// OWL-QN). An explicit Newton over the budget throws.
    /// </summary>
    public static MinimizerKind ChooseMinimizer(MinimizerKind? requested, int featureCount, MemoryBudget budget, IChannel channel, double l1 = 0)
    {
        double newtonBytes = HessianBytes(featureCount, NewtonMatrixCopies);
        if (l1 > 0)
        {
            if (requested is null) channel.Info(MessageSensitivity.None, "Optimizer Auto: OWL-QN (the L-BFGS variant for an L1 penalty).");
            return MinimizerKind.Lbfgs;
        }
        if (requested is { } kind)
        {
            if (kind == MinimizerKind.Newton)
                budget.Require(newtonBytes, $"Newton's (d + 1)² Hessian at d = {featureCount:N0} features", "Use Optimizer = Lbfgs (or Auto)");
            return kind;
        }
        bool newton = featureCount <= AutoNewtonFeatureLimit && budget.Allows(newtonBytes);
        channel.Info(MessageSensitivity.None, newton
            ? $"Optimizer Auto: Newton (d = {featureCount} ≤ {AutoNewtonFeatureLimit}: a few O(n·d²) Hessian passes, insensitive to feature scaling)."
            : $"Optimizer Auto: L-BFGS (d = {featureCount:N0} > {AutoNewtonFeatureLimit}: O(n·d) passes; a (d + 1)² Hessian would cost O(n·d²) a pass" +
              (budget.Allows(newtonBytes) ? ")." : $" and {MemoryBudget.Describe(newtonBytes)}, over the memory budget)."));
        return newton ? MinimizerKind.Newton : MinimizerKind.Lbfgs;
    }

    /// <summary>
    /// Whether to compute the statistics: <paramref name="requested"/> false never; null (the default) when d ≤
    /// <see cref="AutoStatisticsFeatureLimit"/> and n·(d + 1)² ≤ <see cref="AutoStatisticsWorkLimit"/>; true always. Either
    /// way only when the d² matrices fit the budget; otherwise the reason (logged by the caller, never thrown).
    /// </summary>
    public static (bool Compute, string? Reason) PlanStatistics(bool? requested, int featureCount, long rows, MemoryBudget budget)
    {
        if (requested == false) return (false, "ComputeStatistics = false");
        double work = rows * Math.Pow(featureCount + 1.0, 2);
        if (requested is null && (featureCount > AutoStatisticsFeatureLimit || work > AutoStatisticsWorkLimit))
            return (false, string.Format(CultureInfo.InvariantCulture,
                "they need an O(n·d²) Hessian pass ({0:G2} multiply-adds here) and an O(d³) inverse, skipped by default above d = {1:N0} " +
                "or {2:G2} multiply-adds (n = {3:N0}, d = {4:N0}); set ComputeStatistics = true to compute them anyway",
                work, AutoStatisticsFeatureLimit, AutoStatisticsWorkLimit, rows, featureCount));
        double bytes = HessianBytes(featureCount, StatisticsMatrixCopies);
        if (!budget.Allows(bytes))
            return (false, $"the (d + 1)² Hessian and its inverse at d = {featureCount:N0} need {MemoryBudget.Describe(bytes)}, over the memory budget " +
                $"of {MemoryBudget.Describe(budget.Bytes)} (MemoryBudgetBytes)");
        return (true, null);
    }

    /// <summary>The usual start: θ = 0 and the bias at the null model's optimum <paramref name="bias"/>.</summary>
    public static double[] NullModelStart(int featureCount, double bias)
    {
        var start = new double[featureCount + 1];
        start[featureCount] = bias;
        return start;
    }

    /// <summary>
    /// Minimises the GLM objective of <typeparamref name="TLoss"/> from <paramref name="start"/> ([θ, b]; usually
    /// <see cref="NullModelStart"/>, or a previous model for continued training), with <paramref name="minimize"/> (the
    /// trainer's minimiser with its stopping rule), logs the outcome, and computes the Hessian at the optimum when the
    /// statistics are planned.
    /// </summary>
    /// <exception cref="InvalidOperationException">The minimiser produced non-finite parameters.</exception>
    public static GlmFit Fit<TLoss>(TrainingContext context, GlmData data, GlmSettings settings, double[] start,
        Func<IGlmObjective, double[], OptimizationResult> minimize, (bool Compute, string? Reason) statistics,
        Func<OptimizationResult, string?>? statisticsVeto = null) where TLoss : IGlmLoss
    {
        var ch = context.Channel;
        int d = data.FeatureCount;
        var objective = new GlmObjective<TLoss>(data.Set.Features, data.Set.Labels, data.Weighted ? data.Set.Weights : null,
            data.WeightSum, settings.L2, context.MaximumThreads);
        var result = minimize(objective, start);
        ch.Info(MessageSensitivity.None,
            $"{settings.MinimizerName}: {result.Iterations} iterations, objective {result.Objective:G10}, gradient norm {result.GradientNorm:G3}, " +
            $"{objective.Threads} thread(s), {context.Clock.ElapsedMilliseconds} ms.");
        if (!result.Parameters.All(double.IsFinite))
            throw new InvalidOperationException($"The {settings.MinimizerName} optimizer produced non-finite weights; try L2Regularization > 0.");
        ReportStop(ch, settings, result);

        // The last-pass sums must describe the final parameters: one more pass when the minimiser's last evaluation was
        // elsewhere (a rejected trial, a mini-batch).
        if (!objective.LastEvaluatedAt(result.Parameters)) objective.Evaluate(result.Parameters, new double[d + 1]);
        string? reason = statistics.Reason ?? statisticsVeto?.Invoke(result);
        Matrix<double>? hessian = null;
        if (statistics.Compute && reason is null)
        {
            if (d > AutoStatisticsFeatureLimit)
                ch.Info(MessageSensitivity.None, $"Computing coefficient statistics at d = {d:N0}: an O(n·d²) Hessian pass and an O(d³) inverse.");
            hessian = objective.Hessian(result.Parameters);
        }
        return new GlmFit(result.Parameters, result, objective.LastLossSum, objective.LastMaxAbsScore, objective.Threads, hessian, reason);
    }

    /// <summary>The minimiser's settings from the options every GLM trainer has.</summary>
    public static MinimizerSettings Settings(int maximumIterations, double tolerance, double? learningRate, int? batchSize, int historySize,
        int seed, GlmData data, MinimizerKind kind)
    {
        double[]? batchWeightSums = null;
        if (kind == MinimizerKind.GradientDescent && batchSize is int batch)
        {
            data.Shuffle(seed);
            batchWeightSums = data.BatchWeightSums(batch);
        }
        return new MinimizerSettings(maximumIterations, tolerance, learningRate, batchSize, historySize, seed, batchWeightSums);
    }

    /// <summary>Weights and bias as ML.NET's single-precision model holds them.</summary>
    /// <exception cref="InvalidOperationException">A coefficient does not fit in Single.</exception>
    public static (float[] Weights, float Bias) ToSingle(double[] parameters, string featureColumnName)
    {
        int d = parameters.Length - 1;
        var weights = new float[d];
        for (int k = 0; k < d; k++) weights[k] = (float)parameters[k];
        float bias = (float)parameters[d];
        if (!weights.All(float.IsFinite) || !float.IsFinite(bias))
            throw new InvalidOperationException(
                $"The fitted coefficients do not fit in Single, the precision of ML.NET's linear models (largest |weight| " +
                $"{parameters.Select(Math.Abs).Max():G3}): feature column '{featureColumnName}' holds values too small for them. Rescale the " +
                $"features, e.g. with mlContext.Transforms.NormalizeMeanVariance(\"{featureColumnName}\"), or set L2Regularization > 0.");
        return (weights, bias);
    }

    private static void ReportStop(IChannel ch, GlmSettings settings, OptimizationResult result)
    {
        var tolerance = settings.Minimization.GradientTolerance;
        switch (result.Reason)
        {
            case StopReason.IterationLimit:
                ch.Warning(MessageSensitivity.None,
                    $"{settings.MinimizerName} stopped at MaximumNumberOfIterations = {settings.Minimization.MaximumIterations} with gradient norm " +
                    $"{result.GradientNorm:G3} > GradientTolerance = {tolerance:G3}. Increase MaximumNumberOfIterations, " +
                    (settings.L2 == 0
                        ? "or set L2Regularization > 0 if the optimum may not be finite (weights growing without bound)."
                        : "standardise the features (NormalizeMeanVariance), or use the Newton optimizer."));
                break;
            case StopReason.NoProgress when result.GradientNorm > tolerance:
                ch.Warning(MessageSensitivity.None,
                    $"{settings.MinimizerName} could not decrease the objective further after {result.Iterations} iterations (gradient norm " +
                    $"{result.GradientNorm:G3}): the tolerance {tolerance:G3} is below what rounding allows on this data.");
                break;
        }
    }
}
