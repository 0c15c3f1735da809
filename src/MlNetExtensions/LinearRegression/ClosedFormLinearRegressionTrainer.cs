using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Numerics;

namespace MlNetExtensions;

/// <summary>
/// Least-squares linear regression solved exactly: through the normal equations in one streaming pass (the centred
/// sufficient statistics in O(d²) memory, then Cholesky, falling back to the minimum-norm solution when the features are
/// collinear or fewer than the rows), or, for wide and sparse features, by conjugate gradients on the same equations
/// (see <see cref="LinearRegressionSolver"/>). Create it with
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
            /// <summary>Auto: the normal equations up to 2,048 features, conjugate gradients beyond.</summary>
            public const LinearRegressionSolver Solver = LinearRegressionSolver.Auto;
            /// <summary>
            /// Conjugate gradients stop when ‖b − Aθ‖/‖b‖ ≤ 1e-10 for the normal equations Aθ = b: the weights are then
            /// within about 1e-10·cond(A) of the exact solution, far below Single's resolution on well-posed data.
            /// </summary>
            public const double ConjugateGradientTolerance = 1e-10;
            /// <summary>At most 10,000 conjugate-gradient iterations (each one pass over the held rows).</summary>
            public const int MaximumNumberOfIterations = 10_000;
        }

        /// <summary>Ridge penalty λ ≥ 0 on the weights (not the bias). Default 0: ordinary least squares.</summary>
        public double L2Regularization { get; set; } = Defaults.L2Regularization;

        /// <summary>How to solve the normal equations. Default <see cref="LinearRegressionSolver.Auto"/>.</summary>
        public LinearRegressionSolver Solver { get; set; } = Defaults.Solver;

        /// <summary>Conjugate gradients only: the relative residual ‖b − Aθ‖/‖b‖ to stop at (finite, &gt; 0). Default 1e-10.</summary>
        public double ConjugateGradientTolerance { get; set; } = Defaults.ConjugateGradientTolerance;

        /// <summary>Conjugate gradients only: the iteration cap (&gt; 0). Default 10,000.</summary>
        public int MaximumNumberOfIterations { get; set; } = Defaults.MaximumNumberOfIterations;

        /// <summary>
        /// Whether to compute standard errors, t and p-values (R², RSS and the residual standard error are always there).
        /// They need the d × d inverse (O(d³)), so the conjugate-gradient solver never has them. Default null: when d ≤ 1,000;
        /// true: whenever the normal equations are solved and their inverse fits <see cref="TrainerOptions.MemoryBudgetBytes"/>;
        /// false: never. When they are not computed, <see cref="CoefficientStatistics.UnavailableReason"/> says why.
        /// </summary>
        public bool? ComputeStatistics { get; set; }

        internal override void Validate()
        {
            base.Validate();
            OptionChecks.NonNegativeFinite(L2Regularization, nameof(L2Regularization));
            if (!Enum.IsDefined(Solver))
                throw new ArgumentOutOfRangeException(nameof(Solver), Solver,
                    $"{nameof(Solver)} must be one of {string.Join(", ", Enum.GetNames<LinearRegressionSolver>())}, but is {Solver}.");
            OptionChecks.PositiveFinite(ConjugateGradientTolerance, nameof(ConjugateGradientTolerance));
            OptionChecks.Positive(MaximumNumberOfIterations, nameof(MaximumNumberOfIterations));
        }
    }

    /// <summary>Auto solves the normal equations up to this many features (a Cholesky of d = 2,048 takes about a second in managed code).</summary>
    internal const int AutoNormalEquationsFeatureLimit = 2048;

    /// <summary>The normal equations hold about this many (d + 2)² matrices at once (sums per thread, moments, the Gram matrix, its factor, the inverse).</summary>
    private const int NormalEquationMatrixCopies = 8;

    private readonly Options _options;

    private ClosedFormLinearRegressionTrainer(IHostEnvironment env, Options options, IEstimator<ITransformer> schemaReference)
        : base(env, nameof(ClosedFormLinearRegressionTrainer), options, LabelKind.Regression, schemaReference, needNormalization: false)
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

    /// <summary>
    /// Continues a fit exactly: adds the rows of <paramref name="trainData"/> to the sufficient statistics
    /// <paramref name="initialModel"/> was solved from and solves again, which gives the fit on the old and the new rows
    /// together (to rounding: the statistics merge exactly, only their sums' order differs) without reading the old rows
    /// again. The penalty is this trainer's <see cref="Options.L2Regularization"/>, which may differ from the first fit's.
    /// The model must carry its statistics (<see cref="LinearRegressionModelExtensions.HasSufficientStatistics"/>): fitted
    /// by the normal-equations solver in this process, or restored by <c>LoadWithExtensions</c>.
    /// </summary>
    /// <param name="trainData">The new rows, with the columns the trainer was created for.</param>
    /// <param name="initialModel">A model this trainer fitted (<c>transformer.Model</c>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or the feature width differs from the model's.</exception>
    /// <exception cref="InvalidOperationException">The model carries no sufficient statistics, the solver is set to
    /// conjugate gradients, or a bad example weight.</exception>
    public RegressionPredictionTransformer<LinearRegressionModelParameters> Fit(IDataView trainData, LinearRegressionModelParameters initialModel)
    {
        ArgumentNullException.ThrowIfNull(initialModel);
        var previous = LinearRegressionModelExtensions.FindSufficientStatistics(initialModel) ?? throw new InvalidOperationException(
            "The initial model carries no sufficient statistics to continue from: it was fitted by conjugate gradients, by another trainer, " +
            "or loaded by plain Model.Load (LoadWithExtensions restores them from a zip written by SaveWithExtensions).");
        if (_options.Solver == LinearRegressionSolver.ConjugateGradient)
            throw new InvalidOperationException("Continued training adds rows to the normal equations; set Solver to Auto or NormalEquations.");
        return FitWith(trainData, context =>
        {
            if (context.Reader.FeatureCount != previous.FeatureCount)
                throw new ArgumentOutOfRangeException(nameof(initialModel),
                    $"The initial model has {previous.FeatureCount} weights, but feature column '{_options.FeatureColumnName}' has {context.Reader.FeatureCount} features.");
            return Build(context, SolveNormalEquations(context, previous));
        });
    }

    private protected override RegressionPredictionTransformer<LinearRegressionModelParameters> Train(TrainingContext context)
    {
        int d = context.Reader.FeatureCount;
        var solver = ChooseSolver(_options.Solver, d, context.Budget, context.Channel);
        return Build(context, solver == LinearRegressionSolver.NormalEquations
            ? SolveNormalEquations(context, null)
            : SolveByConjugateGradients(context));
    }

    /// <summary>ML.NET's model from the solution, with the statistics (and the sufficient statistics, when there are) attached.</summary>
    private RegressionPredictionTransformer<LinearRegressionModelParameters> Build(TrainingContext context,
        (double[] Weights, double Bias, LinearRegressionStatistics Statistics, NormalEquationAccumulator? Sums) solution)
        => CreateTransformer(context.Environment, context.Channel, _options, solution, context.Data.Schema);

    /// <summary>
    /// ML.NET's linear model and prediction transformer for a solution, with its statistics (and the sufficient statistics,
    /// when there are) attached: what every fit of this trainer returns, in process or over shards (MlNetExtensions.Orleans).
    /// </summary>
    /// <exception cref="InvalidOperationException">A coefficient does not fit in Single.</exception>
    internal static RegressionPredictionTransformer<LinearRegressionModelParameters> CreateTransformer(IHostEnvironment env, IChannel channel,
        Options options, (double[] Weights, double Bias, LinearRegressionStatistics Statistics, NormalEquationAccumulator? Sums) solution,
        DataViewSchema trainSchema)
    {
        var (weights, bias, statistics, sums) = solution;

        var weightsFloat = weights.Select(w => (float)w).ToArray();
        if (!weightsFloat.All(float.IsFinite) || !float.IsFinite((float)bias))
            throw new InvalidOperationException(
                $"The least-squares coefficients do not fit in Single, the precision of ML.NET's linear model (largest |weight| " +
                $"{weights.Select(Math.Abs).DefaultIfEmpty(0).Max():G3}, bias {bias:G3}): feature column " +
                $"'{options.FeatureColumnName}' holds values too small or label column '{options.LabelColumnName}' values too large for it. " +
                $"Rescale the features, e.g. with mlContext.Transforms.NormalizeMeanVariance(\"{options.FeatureColumnName}\").");
        var model = MlNetInternals.CreateLinearRegressionModel(env, weightsFloat, (float)bias);
        LinearRegressionModelExtensions.Attach(model, statistics);
        if (sums is not null) LinearRegressionModelExtensions.AttachSufficientStatistics(model, sums);
        if (statistics.UnavailableReason is not null)
            channel.Info(MessageSensitivity.None, "Coefficient statistics unavailable: " + statistics.UnavailableReason + ".");
        return MlNetInternals.CreateRegressionTransformer(env, model, trainSchema, options.FeatureColumnName);
    }

    /// <summary>Resolves Auto (see <see cref="LinearRegressionSolver.Auto"/>); an explicit NormalEquations over the budget throws.</summary>
    internal static LinearRegressionSolver ChooseSolver(LinearRegressionSolver requested, int d, MemoryBudget budget, IChannel channel)
    {
        double bytes = NormalEquationMatrixCopies * MemoryBudget.SquareMatrixBytes(d + 2L);
        if (requested == LinearRegressionSolver.NormalEquations)
            budget.Require(bytes, $"The normal equations' (d + 2)² matrices at d = {d:N0} features", "Use Solver = ConjugateGradient (or Auto)");
        if (requested != LinearRegressionSolver.Auto) return requested;
        bool normal = d <= AutoNormalEquationsFeatureLimit && budget.Allows(bytes);
        channel.Info(MessageSensitivity.None, normal
            ? $"Solver Auto: normal equations (d = {d:N0} ≤ {AutoNormalEquationsFeatureLimit:N0}: one pass and an exact O(d³) solve)."
            : $"Solver Auto: conjugate gradients (d = {d:N0}: the normal equations would need an O(d³) solve" +
              (budget.Allows(bytes) ? ")." : $" and {MemoryBudget.Describe(bytes)}, over the memory budget)."));
        return normal ? LinearRegressionSolver.NormalEquations : LinearRegressionSolver.ConjugateGradient;
    }

    private (double[] Weights, double Bias, LinearRegressionStatistics Statistics, NormalEquationAccumulator? Sums) SolveNormalEquations(
        TrainingContext context, NormalEquationAccumulator? previous)
    {
        var ch = context.Channel;
        var (sums, _) = AccumulateSums(context.Environment, ch, context.Reader, _options.NumberOfThreads);
        if (previous is not null)
        {
            // The old rows first, then the new: the merge re-expresses the new shard's sums about the old shift exactly.
            var merged = previous.Clone();
            merged.Merge(sums);
            sums = merged;
            ch.Info(MessageSensitivity.None, $"Continued from the initial model's {previous.Count:N0} rows: {sums.Count:N0} rows in all.");
        }
        return SolveNormalEquations(sums, _options, ch);
    }

    /// <summary>
    /// Solves the normal equations of <paramref name="sums"/> (the statistics of every row, from one pass or merged from
    /// shards) with the options' λ, and computes the statistics the options ask for.
    /// </summary>
    internal static (double[] Weights, double Bias, LinearRegressionStatistics Statistics, NormalEquationAccumulator? Sums) SolveNormalEquations(
        NormalEquationAccumulator sums, Options options, IChannel channel)
    {
        int d = sums.FeatureCount;
        var moments = sums.ToMoments();
        var solution = LeastSquaresSolver.Solve(moments, options.L2Regularization);
        if (solution.IsMinimumNorm)
            channel.Warning(MessageSensitivity.None,
                $"Returned the minimum-norm least-squares solution (rank {solution.Rank?.ToString(CultureInfo.InvariantCulture) ?? "not computed"} of {d}): {solution.Diagnostic}.");
        var (compute, reason) = PlanStatistics(options, d);
        var statistics = LinearRegressionStatistics.Compute(moments, solution.Weights, solution.Bias, options.L2Regularization,
            compute ? null : reason);
        return (solution.Weights, solution.Bias, statistics, sums);
    }

    /// <summary>The statistics plan for the normal equations: the inverse is as big and as costly as the solve.</summary>
    private static (bool Compute, string? Reason) PlanStatistics(Options options, int d)
    {
        if (options.ComputeStatistics == false) return (false, "ComputeStatistics = false");
        if (options.ComputeStatistics is null && d > GlmTraining.AutoStatisticsFeatureLimit)
            return (false, $"the coefficient covariance needs the O(d³) inverse, skipped by default above d = {GlmTraining.AutoStatisticsFeatureLimit:N0} (d = {d:N0}); set ComputeStatistics = true to compute it");
        return (true, null);
    }

    private (double[] Weights, double Bias, LinearRegressionStatistics Statistics, NormalEquationAccumulator? Sums) SolveByConjugateGradients(TrainingContext context)
    {
        var ch = context.Channel;
        var set = context.ReadAll();
        var weights = _options.ExampleWeightColumnName is null ? null : set.Weights;
        long positive = set.Weights.Count(w => w > 0);
        var design = new CenteredDesign(set.Features, weights, context.MaximumThreads);
        double weightSum = design.WeightSum, labelSum = 0;
        for (int i = 0; i < set.Count; i++) labelSum += set.Weights[i] * (double)set.Labels[i];
        double labelMean = labelSum / weightSum;
        var theta = new double[set.FeatureCount];
        var result = ConjugateGradient.SolveLeastSquares(design, design.Target(set.Labels, labelMean), _options.L2Regularization, theta,
            _options.ConjugateGradientTolerance, _options.MaximumNumberOfIterations, context.ThrowIfCanceled);
        string message = string.Format(CultureInfo.InvariantCulture,
            "Conjugate gradients: {0} iterations, relative residual of the normal equations {1:G3} (tolerance {2:G3}), {3} ms.",
            result.Iterations, result.RelativeResidual, _options.ConjugateGradientTolerance, context.Clock.ElapsedMilliseconds);
        if (result.Converged) ch.Info(MessageSensitivity.None, message);
        else ch.Warning(MessageSensitivity.None, message + " Not converged: raise MaximumNumberOfIterations, add L2Regularization, or relax ConjugateGradientTolerance.");

        double bias = labelMean - System.Numerics.Tensors.TensorPrimitives.Dot(theta, design.Means);
        double rss = 0, tss = 0;
        for (int r = 0; r < set.Count; r++)
        {
            double w = set.Weights[r];
            double residual = set.Labels[r] - (CenteredDesign.RowDot(set.Features, r, theta) + bias);
            rss += w * residual * residual;
            double deviation = set.Labels[r] - labelMean;
            tss += w * deviation * deviation;
        }
        var coefficients = new double[set.FeatureCount + 1];
        coefficients[0] = bias;
        theta.CopyTo(coefficients, 1);
        var statistics = new LinearRegressionStatistics(positive, weightSum, rss, tss, coefficients, null,
            "the conjugate-gradient solver does not form the d × d inverse the coefficient covariance needs (use Solver = NormalEquations for small d)");
        return (theta, bias, statistics, null);
    }

    /// <summary>
    /// The streaming pass: blocks of rows from the reader into per-thread accumulators, merged at the end. With
    /// <paramref name="threads"/> null the pass measures whether a second thread pays; a number fixes the count.
    /// </summary>
    internal static (LeastSquaresMoments Moments, ReadSummary Summary) Accumulate(IHostEnvironment env, IChannel? channel,
        TrainingDataReader reader, int? threads)
    {
        var (sums, summary) = AccumulateSums(env, channel, reader, threads);
        return (sums.ToMoments(), summary);
    }

    /// <summary>The pass of <see cref="Accumulate"/>, returning the merged accumulator itself.</summary>
    internal static (NormalEquationAccumulator Sums, ReadSummary Summary) AccumulateSums(IHostEnvironment env, IChannel? channel,
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
        return (total, summary);
    }
}
