using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Numerics.Glm;
using MlNetExtensions.Numerics.Optimization;

namespace MlNetExtensions;

/// <summary>
/// Poisson regression with the log link: the maximum-likelihood fit of counts or rates, minimising
/// (Σᵢ wᵢ·(μᵢ − yᵢ·log μᵢ))/(Σᵢ wᵢ) + (λ/2)‖θ‖² with μ = exp(θᵀx + b) (bias unpenalised), by Newton or L-BFGS, with the
/// coefficient statistics R's <c>glm(family = poisson)</c> reports. Create it with
/// <see cref="MlNetExtensionsCatalog.PoissonRegression(RegressionCatalog.RegressionTrainers, string, string, string?, double)"/>.
/// </summary>
/// <remarks>
/// The result is ML.NET's own <see cref="RegressionPredictionTransformer{TModel}"/> over
/// <see cref="PoissonRegressionModelParameters"/> (Score = μ, the predicted mean), the object ML.NET's
/// <c>LbfgsPoissonRegression</c> produces, so it evaluates, saves, loads and exports like it. Labels must be ≥ 0 (counts,
/// or rates with the exposure as the example weight). The statistics are available through
/// <see cref="PoissonRegressionModelExtensions.GetStatistics"/>.
/// </remarks>
public sealed class PoissonRegressionTrainer
    : TrainerBase<RegressionPredictionTransformer<PoissonRegressionModelParameters>, PoissonRegressionModelParameters>
{
    /// <summary>Options of <see cref="PoissonRegressionTrainer"/>.</summary>
    public sealed class Options : GlmTrainerOptions
    {
        /// <summary>The defaults, in one place.</summary>
        internal static class Defaults
        {
            /// <summary>No penalty: plain maximum likelihood, as R's <c>glm</c> and statsmodels' <c>GLM</c> fit it.</summary>
            public const double L2Regularization = 0;
            /// <summary>Auto: Newton up to 100 features, L-BFGS beyond.</summary>
            public const GlmOptimizer Optimizer = GlmOptimizer.Auto;
        }

        /// <summary>The options with their defaults; <see cref="GlmTrainerOptions.L2Regularization"/> defaults to 0 (plain maximum likelihood).</summary>
        public Options()
            : base(Defaults.L2Regularization)
        {
        }

        /// <summary>The minimiser. Default <see cref="GlmOptimizer.Auto"/>.</summary>
        public GlmOptimizer Optimizer { get; set; } = Defaults.Optimizer;

        internal override void Validate()
        {
            base.Validate();
            if (!Enum.IsDefined(Optimizer))
                throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer,
                    $"{nameof(Optimizer)} must be one of {string.Join(", ", Enum.GetNames<GlmOptimizer>())}, but is {Optimizer}.");
        }
    }

    private readonly Options _options;

    private PoissonRegressionTrainer(IHostEnvironment env, Options options, IEstimator<ITransformer> schemaReference)
        : base(env, nameof(PoissonRegressionTrainer), options, LabelKind.Count, schemaReference, needNormalization: false)
        => _options = (Options)BaseOptions;

    /// <summary>The trainer for <paramref name="catalog"/>'s environment; its output shape is ML.NET's LbfgsPoissonRegression's.</summary>
    internal static PoissonRegressionTrainer Create(RegressionCatalog.RegressionTrainers catalog, Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options = TrainerOptions.CheckedCopy(options);
        return new PoissonRegressionTrainer(MlNetInternals.GetEnvironment(catalog), options,
            catalog.LbfgsPoissonRegression(options.LabelColumnName, options.FeatureColumnName, options.ExampleWeightColumnName));
    }

    private protected override RegressionPredictionTransformer<PoissonRegressionModelParameters> Train(TrainingContext context)
    {
        var ch = context.Channel;
        var data = new GlmData(context.ReadAll(), _options.ExampleWeightColumnName is not null);
        int d = data.FeatureCount;
        if (!(data.LabelWeightSum > 0))
            throw new InvalidOperationException(
                $"Label column '{_options.LabelColumnName}' is 0 in every usable row with a positive weight: a Poisson mean of 0 has no finite " +
                "log (the intercept would go to −∞). Poisson regression needs some positive counts.");

        MinimizerKind? requested = _options.Optimizer switch
        {
            GlmOptimizer.Newton => MinimizerKind.Newton,
            GlmOptimizer.Lbfgs => MinimizerKind.Lbfgs,
            _ => null,
        };
        var kind = GlmTraining.ChooseMinimizer(requested, d, context.Budget, ch);
        var settings = new GlmSettings(_options.L2Regularization, kind, kind == MinimizerKind.Newton ? "Newton" : "Lbfgs",
            GlmTraining.Settings(_options.MaximumNumberOfIterations, _options.GradientTolerance, null, null, _options.HistorySize, 0, data, kind),
            _options.ComputeStatistics);
        var fit = GlmTraining.Fit<Numerics.Glm.PoissonLoss>(context, data, settings, GlmTraining.NullModelStart(d, Math.Log(data.WeightedLabelMean)),
            (objective, start) => GlmMinimizer.Minimize(kind, objective, start, settings.Minimization, context.Environment, ch),
            GlmTraining.PlanStatistics(_options.ComputeStatistics, d, data.Count, context.Budget));

        var (weights, bias) = GlmTraining.ToSingle(fit.Parameters, _options.FeatureColumnName);
        var statistics = PoissonRegressionStatistics.Compute(data, fit);
        if (!statistics.HasCoefficientStatistics)
            ch.Info(MessageSensitivity.None, "Coefficient statistics unavailable: " + statistics.UnavailableReason + ".");
        var model = MlNetInternals.CreatePoissonRegressionModel(context.Environment, weights, bias);
        PoissonRegressionModelExtensions.Attach(model, statistics);
        return MlNetInternals.CreatePoissonTransformer(context.Environment, model, context.Data.Schema, _options.FeatureColumnName);
    }
}

/// <summary>Statistics of Poisson regression models trained in this process.</summary>
public static class PoissonRegressionModelExtensions
{
    private static readonly ModelAttachment<PoissonRegressionModelParameters, PoissonRegressionStatistics> Statistics = new();

    internal static void Attach(PoissonRegressionModelParameters model, PoissonRegressionStatistics statistics)
        => Statistics.Attach(model, statistics);

    /// <summary>The statistics attached to <paramref name="model"/>, if any (what SaveWithExtensions saves).</summary>
    internal static PoissonRegressionStatistics? FindAttached(PoissonRegressionModelParameters model) => Statistics.Find(model);

    /// <summary>
    /// Deviance, null deviance, AIC, standard errors, z and p-values of a model fitted by <see cref="PoissonRegressionTrainer"/>,
    /// in this process or saved with <c>SaveWithExtensions</c> and loaded with <c>LoadWithExtensions</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model was trained by another trainer, or saved by plain <c>Model.Save</c>
    /// or loaded by plain <c>Model.Load</c>.</exception>
    public static PoissonRegressionStatistics GetStatistics(this PoissonRegressionModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Statistics.Find(model) ?? throw new InvalidOperationException(
            "This model carries no training statistics: only models trained by PoissonRegression carry them, in the process that trained " +
            "them or after mlContext.Model.SaveWithExtensions and LoadWithExtensions (plain Model.Save does not keep them).");
    }
}
