using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Numerics;

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
    : TrainerBase<RegressionPredictionTransformer<LinearRegressionModelParameters>, LinearRegressionModelParameters>
{
    /// <summary>Options of <see cref="ClosedFormLinearRegressionTrainer"/>.</summary>
    public sealed class Options : TrainerOptions
    {
        /// <summary>The defaults, in one place.</summary>
        internal static class Defaults
        {
            /// <summary>No ridge penalty: ordinary least squares.</summary>
            public const double L2Regularization = 0;
            /// <summary>Statistics are computed (an O(d³) inverse after the pass).</summary>
            public const bool ComputeStatistics = true;
        }

        /// <summary>Ridge penalty λ ≥ 0 on the weights (not the bias). Default 0: ordinary least squares.</summary>
        public double L2Regularization { get; set; } = Defaults.L2Regularization;

        /// <summary>Whether to compute standard errors, t and p-values after the fit. Default true.</summary>
        public bool ComputeStatistics { get; set; } = Defaults.ComputeStatistics;

        internal override void Validate()
        {
            base.Validate();
            OptionChecks.NonNegativeFinite(L2Regularization, nameof(L2Regularization));
        }
    }

    private readonly Options _options;

    private ClosedFormLinearRegressionTrainer(IHostEnvironment env, Options options, IEstimator<ITransformer> schemaReference)
        : base(env, nameof(ClosedFormLinearRegressionTrainer), options, LabelKind.Regression, schemaReference,
            needNormalization: false)
        => _options = (Options)BaseOptions;

    /// <summary>The trainer for <paramref name="catalog"/>'s environment; its output shape is Sdca's for the same columns
    /// (SchemaShape columns cannot be built publicly).</summary>
    internal static ClosedFormLinearRegressionTrainer Create(RegressionCatalog.RegressionTrainers catalog, Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options = TrainerOptions.CheckedCopy(options);
        return new ClosedFormLinearRegressionTrainer(MlNetInternals.GetEnvironment(catalog), options,
            catalog.Sdca(options.LabelColumnName, options.FeatureColumnName, options.ExampleWeightColumnName));
    }

    private protected override RegressionPredictionTransformer<LinearRegressionModelParameters> Train(TrainingContext context)
    {
        var ch = context.Channel;
        var reader = context.Reader;
        var (moments, _) = Accumulate(context.Environment, ch, reader, _options.NumberOfThreads);

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
        var model = MlNetInternals.CreateLinearRegressionModel(context.Environment, weights, (float)solution.Bias);
        if (_options.ComputeStatistics)
        {
            var statistics = LinearRegressionStatistics.Compute(moments, solution.Weights, solution.Bias, _options.L2Regularization);
            LinearRegressionModelExtensions.Attach(model, statistics);
            if (statistics.UnavailableReason is not null)
                ch.Info(MessageSensitivity.None, "Coefficient statistics unavailable: " + statistics.UnavailableReason + ".");
        }
        return MlNetInternals.CreateRegressionTransformer(context.Environment, model, context.Data.Schema, _options.FeatureColumnName);
    }

    /// <summary>
    /// The streaming pass: blocks of rows from the reader into per-thread accumulators, merged at the end. With
    /// <paramref name="threads"/> null the pass measures whether a second thread pays; a number fixes the count.
    /// </summary>
    internal static (LeastSquaresMoments Moments, ReadSummary Summary) Accumulate(IHostEnvironment env, IChannel? channel,
        TrainingDataReader reader, int? threads)
    {
        bool weighted = reader.HasWeights;
        var (states, summary) = ParallelBlockPipeline.Run(reader, env, channel, threads ?? Environment.ProcessorCount,
            () => new NormalEquationAccumulator(reader.FeatureCount),
            (accumulator, block) =>
            {
                var labels = block.Labels.AsSpan(0, block.Count);
                var weights = weighted ? block.Weights.AsSpan(0, block.Count) : ReadOnlySpan<float>.Empty;
                if (block is SparseRowBlock sparse)
                    accumulator.AddSparseRows(sparse.Offsets.AsSpan(0, block.Count + 1), sparse.Indices, sparse.Values, labels, weights);
                else
                    accumulator.AddValidatedRows(((DenseRowBlock)block).UsedFeatures, labels, weights);
            },
            adaptive: threads is null);
        var total = states[0];
        for (int i = 1; i < states.Count; i++) total.Merge(states[i]);
        return (total.ToMoments(), summary);
    }
}
