using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.LogisticRegression;
using MlNetExtensions.Numerics.Glm;
using MlNetExtensions.Numerics.Optimization;
using MlNetExtensions.Interop;

namespace MlNetExtensions;

/// <summary>
/// Logistic regression that minimises the mean binary cross-entropy plus an L2 penalty,
/// (Σᵢ wᵢ·BCEᵢ)/(Σᵢ wᵢ) + (λ/2)‖θ‖² (bias unpenalised), with a choice of optimizer (<see cref="LogisticOptimizer"/>).
/// Create it with <see cref="MlNetExtensionsCatalog.BceLogisticRegression(BinaryClassificationCatalog.BinaryClassificationTrainers, string, string, string?, double)"/>.
/// </summary>
/// <remarks>
/// Score = θᵀx + b, Probability = σ(Score). The result is ML.NET's own <see cref="BinaryPredictionTransformer{TModel}"/>
/// over <see cref="LinearBinaryModelParameters"/> calibrated by <see cref="PlattCalibrator"/>(slope −1, offset 0), the
/// object ML.NET's <c>LbfgsLogisticRegression</c> produces, so evaluation, cross-validation, one-versus-all, feature
/// importance, saving and loading work natively; <c>model.Model.SubModel.Statistics</c> holds ML.NET's
/// <see cref="LinearModelParameterStatistics"/>. Richer statistics and the optimizer's trace are available through
/// <see cref="LogisticRegressionModelExtensions"/>. The training rows are held in memory, densely (4·n·d bytes) or, for text
/// and one-hot features, sparsely (8 bytes a non-zero; see <see cref="TrainerOptions.FeatureLayout"/>).
/// Linearly separable data has no finite optimum without L2: the trainer detects it (every row strictly on its side),
/// stops, and warns in <c>MLContext.Log</c>.
/// </remarks>
public sealed class BceLogisticRegressionTrainer
    : TrainerBase<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>,
        CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>
{
    /// <summary>Options of <see cref="BceLogisticRegressionTrainer"/>; defaults are in <see cref="Defaults"/>.</summary>
    public sealed class Options : GlmTrainerOptions
    {
        /// <summary>The defaults, in one place.</summary>
        internal static class Defaults
        {
            /// <summary>
            /// λ = 1e-4, so that separable data (common with one-hot and text features, and breast_cancer once standardised) has
            /// a finite, unique optimum without visibly shrinking well-determined weights. Measured test log-loss against λ = 0 /
            /// 1e-3 / 1e-2: breast_cancer standardised 0.109 against ∞ / 0.126 / 0.206; yelp text 0.606 against 0.975 / 0.718 /
            /// 0.900; wikipedia detox text 0.733 against 0.747 / 0.662 / 0.852. In ML.NET's scaling (a sum over rows) this is
            /// L2Regularization = 1e-4·n (ML.NET's default 1 corresponds to λ = 1/n); in scikit-learn's, C = 1/(1e-4·n). λ = 0
            /// stays available, with its separation diagnostics.
            /// </summary>
            public const double L2Regularization = 1e-4;
            /// <summary>No L1 penalty: every weight estimated (ML.NET's LbfgsLogisticRegression defaults to L1 = 1 in its scaling, λ₁ = 1/n in ours).</summary>
            public const double L1Regularization = 0;
            /// <summary>
            /// Auto: Newton up to 100 features, L-BFGS beyond (see <see cref="LogisticOptimizer.Auto"/>). Measured: on 200,000 × 50
            /// well-conditioned synthetic data Newton and L-BFGS are within 1.5× of each other, while on the raw, unstandardised
            /// breast_cancer data Newton needs 9 steps where L-BFGS needs thousands: Newton is affine invariant, so its speed does
            /// not depend on feature scaling; but its Hessian pass costs O(n·d²), so at 200,000 × 200 it took 2.8× the time of
            /// ML.NET's L-BFGS and at d = 1,000 3.4×, where this trainer's L-BFGS took 0.61× and 0.16×.
            /// </summary>
            public const LogisticOptimizer Optimizer = LogisticOptimizer.Auto;
            /// <summary>Seed of the mini-batch order.</summary>
            public const int Seed = 0;
        }

        /// <summary>
        /// The options with their defaults; <see cref="GlmTrainerOptions.L2Regularization"/> defaults to λ = 1e-4 (see the
        /// measurements behind it on <c>Defaults.L2Regularization</c>); 0 is plain maximum likelihood, which has no finite
        /// optimum on separable data (detected and reported).
        /// </summary>
        public Options()
            : base(Defaults.L2Regularization)
        {
        }

        /// <summary>
        /// L1 penalty λ₁ ≥ 0 in λ₁‖θ‖₁ on the weights (not the bias), added to the mean loss: with it some weights become exactly
        /// 0 (the lasso; with <see cref="GlmTrainerOptions.L2Regularization"/> too, the elastic net). Minimised by OWL-QN, the L-BFGS variant for
        /// L1 that ML.NET's own L-BFGS trainers use, so it needs <see cref="Optimizer"/> <see cref="LogisticOptimizer.Auto"/> or
        /// <see cref="LogisticOptimizer.Lbfgs"/>. ML.NET's L1Regularization equals λ₁·n; scikit-learn's C equals 1/(λ₁·n).
        /// Standard errors are not reported for an L1 fit (they are not defined at weights held at zero). Default 0.
        /// </summary>
        public double L1Regularization { get; set; } = Defaults.L1Regularization;

        /// <summary>The minimiser. Default <see cref="LogisticOptimizer.Auto"/>: Newton up to 100 features, L-BFGS beyond (OWL-QN with L1).</summary>
        public LogisticOptimizer Optimizer { get; set; } = Defaults.Optimizer;

        /// <summary>
        /// Gradient descent only: the step α. Default null: 1/L with L an upper bound of the objective's curvature (¼ of the
        /// largest eigenvalue of the weighted Gram matrix of [x, 1], plus λ), a step that always descends.
        /// </summary>
        public double? LearningRate { get; set; }

        /// <summary>
        /// Gradient descent only: rows per mini-batch (the rows are shuffled once with <see cref="Seed"/>; each epoch
        /// visits the batches in a new order). Default null: full batch. With a constant step, mini-batches reach a
        /// neighbourhood of the optimum, so the tolerance may not be met.
        /// </summary>
        public int? BatchSize { get; set; }

        /// <summary>Seed for the mini-batch shuffling. Default 0.</summary>
        public int Seed { get; set; } = Defaults.Seed;

        internal override void Validate()
        {
            base.Validate();
            OptionChecks.NonNegativeFinite(L1Regularization, nameof(L1Regularization));
            if (!Enum.IsDefined(Optimizer))
                throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer,
                    $"{nameof(Optimizer)} must be one of {string.Join(", ", Enum.GetNames<LogisticOptimizer>())}, but is {Optimizer}.");
            if (L1Regularization > 0 && Optimizer is LogisticOptimizer.Newton or LogisticOptimizer.GradientDescent)
                throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer,
                    $"{nameof(L1Regularization)} = {L1Regularization} needs {nameof(Optimizer)} Lbfgs (OWL-QN) or Auto: {Optimizer} cannot minimise " +
                    "an L1 penalty, which has no derivative at zero.");
            if (LearningRate is { } rate) OptionChecks.PositiveFinite(rate, nameof(LearningRate));
            if (BatchSize is { } batch) OptionChecks.Positive(batch, nameof(BatchSize));
        }
    }

    /// <summary>σ(±30) is within 1e-13 of 1 or 0: beyond it a fitted probability carries no information (R's glm warns alike).</summary>
    private const double SaturatedScore = 30;

    private readonly Options _options;

    private BceLogisticRegressionTrainer(IHostEnvironment env, Options options, IEstimator<ITransformer> schemaReference)
        : base(env, nameof(BceLogisticRegressionTrainer), options, LabelKind.Binary, schemaReference, needNormalization: false)
        => _options = (Options)BaseOptions;

    /// <summary>The trainer for <paramref name="catalog"/>'s environment; its output shape is LbfgsLogisticRegression's for the
    /// same columns (SchemaShape columns cannot be built publicly).</summary>
    internal static BceLogisticRegressionTrainer Create(BinaryClassificationCatalog.BinaryClassificationTrainers catalog, Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options = TrainerOptions.CheckedCopy(options);
        return new BceLogisticRegressionTrainer(MlNetInternals.GetEnvironment(catalog), options,
            catalog.LbfgsLogisticRegression(options.LabelColumnName, options.FeatureColumnName, options.ExampleWeightColumnName));
    }

    /// <summary>
    /// Continues from <paramref name="initialModel"/>: minimises the same objective on <paramref name="trainData"/> starting
    /// at its weights and bias instead of the null model (a warm start, as ML.NET's <c>LbfgsLogisticRegression</c> takes one).
    /// Any linear binary model serves, ML.NET's own included (<c>transformer.Model.SubModel</c>); the optimum reached is the
    /// cold start's, in fewer iterations when the start is close to it.
    /// </summary>
    /// <param name="trainData">The rows, with the columns the trainer was created for.</param>
    /// <param name="initialModel">The model to start from; its weights must match the feature column's width.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or the model's width differs from the data's.</exception>
    /// <exception cref="InvalidOperationException">No usable row, a single class, or a bad example weight or label.</exception>
    public BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> Fit(IDataView trainData,
        LinearBinaryModelParameters initialModel)
    {
        ArgumentNullException.ThrowIfNull(initialModel);
        return FitWith(trainData, context => Train(context, initialModel));
    }

    private protected override BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> Train(
        TrainingContext context) => Train(context, null);

    private BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> Train(
        TrainingContext context, LinearBinaryModelParameters? initialModel)
    {
        if (initialModel is not null && initialModel.Weights.Count != context.Reader.FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(initialModel),
                $"The initial model has {initialModel.Weights.Count} weights, but feature column '{_options.FeatureColumnName}' has {context.Reader.FeatureCount} features.");
        var ch = context.Channel;
        var data = new GlmData(context.ReadAll(), _options.ExampleWeightColumnName is not null);
        int d = data.FeatureCount;
        double weightSum = data.WeightSum, positiveWeight = data.LabelWeightSum;
        if (positiveWeight <= 0 || positiveWeight >= weightSum)
            throw new InvalidOperationException(
                $"Label column '{_options.LabelColumnName}' holds a single class: all {data.PositiveWeightRows} usable rows with a positive weight are " +
                $"{(positiveWeight <= 0 ? "0 (false)" : "1 (true)")}. Binary classification needs rows of both classes.");

        double l1 = _options.L1Regularization;
        var kind = GlmTraining.ChooseMinimizer(MinimizerKindOf(_options.Optimizer), d, context.Budget, ch, l1);
        var settings = new GlmSettings(_options.L2Regularization, kind, l1 > 0 ? "OWL-QN" : NameOf(kind),
            GlmTraining.Settings(_options.MaximumNumberOfIterations, _options.GradientTolerance, _options.LearningRate, _options.BatchSize,
                _options.HistorySize, _options.Seed, data, kind) with
            { L1 = l1 }, _options.ComputeStatistics);
        double pBar = positiveWeight / weightSum;
        double[] start;
        if (initialModel is null)
            start = GlmTraining.NullModelStart(d, Math.Log(pBar / (1 - pBar)));
        else
        {
            start = [.. initialModel.Weights.Select(w => (double)w), initialModel.Bias];
            ch.Info(MessageSensitivity.None, "Starting from the initial model's weights and bias.");
        }
        var fit = GlmTraining.Fit<LogisticLoss>(context, data, settings, start,
            (objective, start) => SeparationRule.Minimize(kind, objective, start, settings.Minimization, context.Environment, ch),
            GlmTraining.PlanStatistics(_options.ComputeStatistics, d, data.Count, context.Budget),
            result => result.Reason == StopReason.NoFiniteOptimum
                ? "the data is linearly separable, so the coefficients (and their errors) have no finite estimate without L2"
                : l1 > 0 ? "standard errors are not defined for an L1-penalised fit (the penalty holds some weights at exactly zero)"
                : null);
        var result = fit.Result;
        if (l1 > 0)
            ch.Info(MessageSensitivity.None,
                $"L1 = {l1:G4}: {fit.Parameters.Take(d).Count(v => v == 0):N0} of {d:N0} weights are exactly zero.");
        if (result.Reason == StopReason.NoFiniteOptimum)
            ch.Warning(MessageSensitivity.None,
                $"The training data is linearly separable: after {result.Iterations} iterations the loss ({result.Objective:G4}) is heading to 0 " +
                $"while the weights (norm {fit.WeightNorm:G4}) grow without bound, so there is no finite optimum without a penalty. " +
                "Stopped there instead of iterating to the cap. Set L2Regularization > 0 (for example 1e-3) for a finite, unique optimum.");
        else if (_options.L2Regularization == 0 && l1 == 0 && fit.MaxAbsScore > SaturatedScore)
            ch.Warning(MessageSensitivity.None,
                $"Fitted probabilities numerically 0 or 1 occurred (|score| up to {fit.MaxAbsScore:G3}, weight norm {fit.WeightNorm:G4}): " +
                "the data may be quasi-separable, in which case some weights have no finite estimate and their size reflects only where " +
                "the optimizer stopped. Set L2Regularization > 0 for a finite, unique optimum.");

        var (weightsFloat, biasFloat) = GlmTraining.ToSingle(fit.Parameters, _options.FeatureColumnName);
        var statistics = LogisticRegressionStatistics.Compute(data.PositiveWeightRows, weightSum, positiveWeight, fit.LossSum, fit.Parameters,
            fit.Hessian, fit.StatisticsUnavailableReason);
        ModelStatisticsBase? mlnetStatistics = null;
        if (statistics.StandardErrors is { } se)
            mlnetStatistics = MlNetInternals.CreateLinearModelStatistics(context.Environment, data.PositiveWeightRows, d + 1, (float)statistics.Deviance,
                (float)statistics.NullDeviance, se.Select(v => (float)v).ToArray(), weightsFloat, biasFloat);
        else
            ch.Info(MessageSensitivity.None, "Coefficient statistics unavailable: " + statistics.UnavailableReason + ".");

        var model = MlNetInternals.CreateCalibratedLinearBinaryModel(context.Environment, weightsFloat, biasFloat, mlnetStatistics);
        var report = new LogisticRegressionTrainingReport(OptimizerOf(kind), result.Iterations, result.Reason == StopReason.Converged,
            result.Reason == StopReason.NoFiniteOptimum, result.Objective, result.GradientNorm, result.ObjectiveHistory, context.Clock.Elapsed);
        LogisticRegressionModelExtensions.Attach(model.SubModel, report, statistics);
        return MlNetInternals.CreateBinaryTransformer(context.Environment, model, context.Data.Schema, _options.FeatureColumnName);
    }

    private static MinimizerKind? MinimizerKindOf(LogisticOptimizer optimizer) => optimizer switch
    {
        LogisticOptimizer.Auto => null,
        LogisticOptimizer.Newton => MinimizerKind.Newton,
        LogisticOptimizer.Lbfgs => MinimizerKind.Lbfgs,
        LogisticOptimizer.GradientDescent => MinimizerKind.GradientDescent,
        _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, "Unknown optimizer."),
    };

    private static LogisticOptimizer OptimizerOf(MinimizerKind kind) => kind switch
    {
        MinimizerKind.Newton => LogisticOptimizer.Newton,
        MinimizerKind.Lbfgs => LogisticOptimizer.Lbfgs,
        _ => LogisticOptimizer.GradientDescent,
    };

    private static string NameOf(MinimizerKind kind) => OptimizerOf(kind).ToString();
}
