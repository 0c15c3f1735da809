using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.Numerics;
using MlNetExtensions.Persistence;

namespace MlNetExtensions;

/// <summary>
/// Least-squares linear regression solved exactly through the normal equations: one streaming pass accumulates the
/// centred sufficient statistics (O(d²) memory), then Cholesky solves them, falling back to the minimum-norm solution
/// when the features are collinear or fewer than the rows. Create it with
/// <see cref="MlNetExtensionsCatalog.ClosedFormLinearRegression(RegressionCatalog.RegressionTrainers, string, string, string?, double)"/>.
/// </summary>
/// <remarks>
/// Minimises Σᵢ wᵢ(yᵢ − θᵀxᵢ − b)² + λ‖θ‖² (the bias is not penalised; λ as scikit-learn's <c>Ridge(alpha=λ)</c>).
/// The result is ML.NET's own <see cref="RegressionPredictionTransformer{TModel}"/> over
/// <see cref="LinearRegressionModelParameters"/>, so it saves, loads, evaluates and exports like ML.NET's linear
/// trainers. The fit's statistics are available through
/// <see cref="LinearRegressionModelExtensions.GetStatistics(LinearRegressionModelParameters)"/>.
/// </remarks>
public sealed class ClosedFormLinearRegressionTrainer
    : ITrainerEstimator<RegressionPredictionTransformer<LinearRegressionModelParameters>, LinearRegressionModelParameters>
{
    /// <summary>Options of <see cref="ClosedFormLinearRegressionTrainer"/>; defaults are in <see cref="Defaults"/>.</summary>
    public sealed class Options
    {
        /// <summary>The defaults, in one place.</summary>
        public static class Defaults
        {
            /// <summary>No ridge penalty: ordinary least squares.</summary>
            public const double L2Regularization = 0;
            /// <summary>Statistics are computed (an O(d³) inverse after the pass).</summary>
            public const bool ComputeStatistics = true;
        }

        /// <summary>Label column (Single). Default "Label".</summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>Feature column (known-size vector of Single). Default "Features".</summary>
        public string FeatureColumnName { get; set; } = "Features";

        /// <summary>Optional example weight column (Single, finite, ≥ 0). Default none.</summary>
        public string? ExampleWeightColumnName { get; set; }

        /// <summary>Ridge penalty λ ≥ 0 on the weights (not the bias). Default 0.</summary>
        public double L2Regularization { get; set; } = Defaults.L2Regularization;

        /// <summary>Whether to compute standard errors, t and p-values after the fit. Default true.</summary>
        public bool ComputeStatistics { get; set; } = Defaults.ComputeStatistics;

        /// <summary>Threads for the pass. Null (the default) measures on the first rows whether handing blocks to a second
        /// thread pays on this machine and keeps the faster; a number fixes it (1: the cursor thread alone).</summary>
        public int? NumberOfThreads { get; set; }
    }

    private readonly IHostEnvironment _env;
    private readonly Options _options;
    private readonly IEstimator<ITransformer> _schemaReference;

    internal ClosedFormLinearRegressionTrainer(IHostEnvironment env, Options options, IEstimator<ITransformer> schemaReference)
    {
        _env = env;
        _options = options;
        _schemaReference = schemaReference;
        OptionChecks.ColumnName(options.LabelColumnName, nameof(Options.LabelColumnName));
        OptionChecks.ColumnName(options.FeatureColumnName, nameof(Options.FeatureColumnName));
        OptionChecks.NonNegativeFinite(options.L2Regularization, nameof(Options.L2Regularization));
        if (options.NumberOfThreads is { } threads) OptionChecks.Positive(threads, nameof(Options.NumberOfThreads));
        Info = MlNetInternals.CreateTrainerInfo(needNormalization: false, wantCaching: false);
    }

    /// <summary>This trainer needs neither normalization nor caching: it reads the data once.</summary>
    public TrainerInfo Info { get; }

    /// <summary>Adds <c>Score</c> (Single), as ML.NET's regression trainers do.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => _schemaReference.GetOutputSchema(inputSchema);

    /// <summary>Fits the model in one pass over <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type (the message names it).</exception>
    /// <exception cref="InvalidOperationException">No usable row, or a negative or non-finite example weight.</exception>
    public RegressionPredictionTransformer<LinearRegressionModelParameters> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var reader = TrainingDataReader.Create(input, _options.LabelColumnName, _options.FeatureColumnName,
            _options.ExampleWeightColumnName, LabelKind.Regression);
        using var ch = _env.Start(nameof(ClosedFormLinearRegressionTrainer));
        var clock = Stopwatch.StartNew();

        var (moments, summary) = Accumulate(_env, reader, _options.NumberOfThreads, _options.ExampleWeightColumnName is not null);
        ch.Info(MessageSensitivity.None,
            $"Read {summary.RowsRead} rows in {clock.ElapsedMilliseconds} ms; using {summary.RowsUsed}, skipped {summary.RowsSkippedMissing} with missing or infinite values.");
        if (summary.RowsSkippedMissing > 0)
            ch.Warning(MessageSensitivity.None, $"Skipped {summary.RowsSkippedMissing} of {summary.RowsRead} rows with a NaN or infinite label or feature.");

        var solution = LeastSquaresSolver.Solve(moments, _options.L2Regularization);
        if (solution.IsMinimumNorm)
            ch.Warning(MessageSensitivity.None,
                $"Returned the minimum-norm least-squares solution (rank {solution.Rank} of {reader.FeatureCount}): {solution.Diagnostic}.");

        var weights = solution.Weights.Select(w => (float)w).ToArray();
        if (!weights.All(float.IsFinite) || !float.IsFinite((float)solution.Bias))
            throw new InvalidOperationException(
                $"The least-squares coefficients do not fit in Single, the precision of ML.NET's linear model (largest |weight| " +
                $"{solution.Weights.Select(Math.Abs).DefaultIfEmpty(0).Max():G3}, bias {solution.Bias:G3}): feature column " +
                $"'{_options.FeatureColumnName}' holds values too small or label column '{_options.LabelColumnName}' values too large for it. " +
                $"Rescale the features, e.g. with mlContext.Transforms.NormalizeMeanVariance(\"{_options.FeatureColumnName}\").");
        var model = MlNetInternals.CreateLinearRegressionModel(_env, weights, (float)solution.Bias);
        if (_options.ComputeStatistics)
        {
            var statistics = LinearRegressionStatistics.Compute(moments, solution.Weights, solution.Bias, _options.L2Regularization);
            LinearRegressionModelExtensions.Attach(model, statistics);
            if (statistics.UnavailableReason is not null)
                ch.Info(MessageSensitivity.None, "Coefficient statistics unavailable: " + statistics.UnavailableReason + ".");
        }
        ch.Info(MessageSensitivity.None, $"Fitted {reader.FeatureCount} weights in {clock.ElapsedMilliseconds} ms.");
        return MlNetInternals.CreateRegressionTransformer(_env, model, input.Schema, _options.FeatureColumnName);
    }

    /// <summary>The streaming pass: blocks of rows from the reader into per-thread accumulators, merged at the end.</summary>
    internal static (LeastSquaresMoments Moments, ReadSummary Summary) Accumulate(IHostEnvironment env, TrainingDataReader reader,
        int? threads, bool weighted)
    {
        // Unless the user fixed the thread count, the reader measures whether handing blocks to a worker pays here.
        int workers = threads ?? Environment.ProcessorCount;
        var (states, summary) = reader.ForEachBlockParallel(env, workers,
            () => new NormalEquationAccumulator(reader.FeatureCount),
            (accumulator, block) => accumulator.AddValidatedRows(
                block.Features.AsSpan(0, block.Count * reader.FeatureCount),
                block.Labels.AsSpan(0, block.Count),
                weighted ? block.Weights.AsSpan(0, block.Count) : ReadOnlySpan<float>.Empty),
            adaptive: threads is null);
        var total = states[0];
        for (int i = 1; i < states.Count; i++) total.Merge(states[i]);
        return (total.ToMoments(), summary);
    }
}

/// <summary>Statistics of linear regression models trained in this process.</summary>
public static class LinearRegressionModelExtensions
{
    private static readonly ConditionalWeakTable<LinearRegressionModelParameters, LinearRegressionStatistics> Table = new();

    internal static void Attach(LinearRegressionModelParameters model, LinearRegressionStatistics statistics)
        => Table.AddOrUpdate(model, statistics);

    /// <summary>
    /// The training statistics (standard errors, t, p, R², …) of a model fitted by
    /// <see cref="ClosedFormLinearRegressionTrainer"/> in this process.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model was loaded from a file or trained by another trainer; use
    /// <see cref="MlNetExtensionsCatalog.ComputeLinearStatistics"/> to compute them from data.</exception>
    public static LinearRegressionStatistics GetStatistics(this LinearRegressionModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Table.TryGetValue(model, out var statistics)) return statistics;
        throw new InvalidOperationException(
            "This model carries no training statistics: it was loaded from a file, trained by another trainer, or trained with " +
            "ComputeStatistics = false. Compute them from data with mlContext.Regression.ComputeLinearStatistics(model, data).");
    }
}
