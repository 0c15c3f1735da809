using MlNetExtensions.Data;
namespace MlNetExtensions;

/// <summary>
/// Options of the multi-layer perceptron, shared by the regression, binary and multiclass <c>Mlp</c> trainers.
/// Defaults (in <see cref="Defaults"/>) follow scikit-learn's <c>MLPRegressor</c>/<c>MLPClassifier</c> where both
/// have the knob, so the two compare like for like.
/// </summary>
/// <remarks>
/// The objective is the weighted mean loss over the batch plus (λ/2)‖W‖² over the weights (not the biases).
/// scikit-learn divides its penalty by the batch size, so its <c>alpha</c> equals λ × batch size.
/// </remarks>
public sealed class MlpOptions : TrainerOptions
{
    /// <summary>The defaults, in one place.</summary>
    internal static class Defaults
    {
        /// <summary>Width of the single hidden layer used when <see cref="HiddenLayerSizes"/> is null.</summary>
        public const int HiddenLayerSize = 32;
        /// <summary>ReLU, as scikit-learn.</summary>
        public const MlpActivation Activation = MlpActivation.Relu;
        /// <summary>Slope of LeakyReLU for negative inputs.</summary>
        public const double LeakyReluSlope = 0.01;
        /// <summary>Adam, as scikit-learn.</summary>
        public const MlpOptimizer Optimizer = MlpOptimizer.Adam;
        /// <summary>Step size η, as scikit-learn's <c>learning_rate_init</c>.</summary>
        public const double LearningRate = 1e-3;
        /// <summary>Momentum coefficient for <see cref="MlpOptimizer.Momentum"/>, as scikit-learn.</summary>
        public const double Momentum = 0.9;
        /// <summary>Nesterov's accelerated gradient with momentum, as scikit-learn's <c>nesterovs_momentum</c>.</summary>
        public const bool Nesterov = true;
        /// <summary>Adam's first-moment decay.</summary>
        public const double Beta1 = 0.9;
        /// <summary>Adam's second-moment decay.</summary>
        public const double Beta2 = 0.999;
        /// <summary>Adam's denominator guard.</summary>
        public const double Epsilon = 1e-8;
        /// <summary>Upper bound of the default batch size min(200, n).</summary>
        public const int BatchSize = 200;
        /// <summary>Passes over the training data, as scikit-learn's <c>max_iter</c>.</summary>
        public const int NumberOfEpochs = 200;
        /// <summary>Shuffle the rows before every epoch, as scikit-learn.</summary>
        public const bool Shuffle = true;
        /// <summary>L2 penalty λ on the weights.</summary>
        public const double L2Regularization = 1e-4;
        /// <summary>Fraction of rows held out for early stopping, as scikit-learn.</summary>
        public const double ValidationFraction = 0.1;
        /// <summary>Epochs without improvement before early stopping, as scikit-learn's <c>n_iter_no_change</c>.</summary>
        public const int Patience = 10;
        /// <summary>Smallest decrease of the validation loss that counts as an improvement, as scikit-learn's <c>tol</c>.</summary>
        public const double Tolerance = 1e-4;
    }

    /// <summary>
    /// Widths of the hidden layers, input side first. Null means one hidden layer of 32 units; an empty array means no
    /// hidden layer (linear regression, logistic regression or softmax regression trained by the same machinery).
    /// </summary>
    public int[]? HiddenLayerSizes { get; set; }

    /// <summary>Activation of the hidden layers. Default <see cref="MlpActivation.Relu"/>.</summary>
    public MlpActivation Activation { get; set; } = Defaults.Activation;

    /// <summary>Slope of <see cref="MlpActivation.LeakyRelu"/> for negative inputs (finite, ≥ 0). Default 0.01.</summary>
    public double LeakyReluSlope { get; set; } = Defaults.LeakyReluSlope;

    /// <summary>The update rule. Default <see cref="MlpOptimizer.Adam"/>.</summary>
    public MlpOptimizer Optimizer { get; set; } = Defaults.Optimizer;

    /// <summary>Step size η (finite, &gt; 0). Default 1e-3.</summary>
    public double LearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>Momentum coefficient μ in [0, 1) for <see cref="MlpOptimizer.Momentum"/>. Default 0.9.</summary>
    public double Momentum { get; set; } = Defaults.Momentum;

    /// <summary>Use Nesterov's accelerated gradient with <see cref="MlpOptimizer.Momentum"/>. Default true, as scikit-learn.</summary>
    public bool Nesterov { get; set; } = Defaults.Nesterov;

    /// <summary>Adam's first-moment decay β1 in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; set; } = Defaults.Beta1;

    /// <summary>Adam's second-moment decay β2 in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; set; } = Defaults.Beta2;

    /// <summary>Adam's ε (finite, &gt; 0). Default 1e-8.</summary>
    public double Epsilon { get; set; } = Defaults.Epsilon;

    /// <summary>Rows per gradient step (&gt; 0). Null means min(200, number of training rows).</summary>
    public int? BatchSize { get; set; }

    /// <summary>Passes over the training data (&gt; 0). Default 200.</summary>
    public int NumberOfEpochs { get; set; } = Defaults.NumberOfEpochs;

    /// <summary>L2 penalty λ ≥ 0 on the weights (not the biases): the objective adds (λ/2)‖W‖². Default 1e-4.</summary>
    public double L2Regularization { get; set; } = Defaults.L2Regularization;

    /// <summary>Seed of the initial weights, the shuffling and the validation split. Null takes one from the MLContext.</summary>
    public int? Seed { get; set; }

    /// <summary>Shuffle the training rows before each epoch. Default true.</summary>
    public bool Shuffle { get; set; } = Defaults.Shuffle;

    /// <summary>
    /// Hold out <see cref="ValidationFraction"/> of the rows, stop when their loss has not improved by
    /// <see cref="Tolerance"/> for <see cref="Patience"/> epochs, and keep the weights of the best epoch. Default false.
    /// </summary>
    public bool EarlyStopping { get; set; }

    /// <summary>Fraction of the rows held out when <see cref="EarlyStopping"/> is on, strictly between 0 and 1. Default 0.1.</summary>
    public double ValidationFraction { get; set; } = Defaults.ValidationFraction;

    /// <summary>Epochs without improvement of the validation loss before stopping (&gt; 0). Default 10.</summary>
    public int Patience { get; set; } = Defaults.Patience;

    /// <summary>Smallest decrease of the validation loss that counts as an improvement (finite, ≥ 0). Default 1e-4.</summary>
    public double Tolerance { get; set; } = Defaults.Tolerance;

    /// <summary>Optional callback told after every epoch (on the training thread). Default none.</summary>
    public IProgress<MlpEpochProgress>? Progress { get; set; }

    internal override void Validate()
    {
        base.Validate();
        if (HiddenLayerSizes is { } sizes)
            for (int i = 0; i < sizes.Length; i++)
                if (sizes[i] <= 0)
                    throw new ArgumentOutOfRangeException(nameof(HiddenLayerSizes), sizes[i],
                        $"HiddenLayerSizes[{i}] must be > 0 (an empty layer cannot pass anything on), but is {sizes[i]}. " +
                        "Pass an empty array for a network without hidden layers.");
        if (!Enum.IsDefined(Activation))
            throw new ArgumentOutOfRangeException(nameof(Activation), Activation, $"Activation {Activation} is not an MlpActivation.");
        if (!Enum.IsDefined(Optimizer))
            throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, $"Optimizer {Optimizer} is not an MlpOptimizer.");
        OptionChecks.NonNegativeFinite(LeakyReluSlope, nameof(LeakyReluSlope));
        OptionChecks.PositiveFinite(LearningRate, nameof(LearningRate));
        OptionChecks.InHalfOpenUnitInterval(Momentum, nameof(Momentum));
        OptionChecks.InHalfOpenUnitInterval(Beta1, nameof(Beta1));
        OptionChecks.InHalfOpenUnitInterval(Beta2, nameof(Beta2));
        OptionChecks.PositiveFinite(Epsilon, nameof(Epsilon));
        if (BatchSize is { } batch) OptionChecks.Positive(batch, nameof(BatchSize));
        OptionChecks.Positive(NumberOfEpochs, nameof(NumberOfEpochs));
        OptionChecks.NonNegativeFinite(L2Regularization, nameof(L2Regularization));
        if (EarlyStopping)
        {
            OptionChecks.InOpenUnitInterval(ValidationFraction, nameof(ValidationFraction));
            OptionChecks.Positive(Patience, nameof(Patience));
            OptionChecks.NonNegativeFinite(Tolerance, nameof(Tolerance));
        }
    }

    internal override TrainerOptions Copy()
    {
        var copy = (MlpOptions)base.Copy();
        copy.HiddenLayerSizes = (int[]?)HiddenLayerSizes?.Clone();
        return copy;
    }
}

/// <summary>What one epoch of MLP training achieved, reported through <see cref="MlpOptions.Progress"/>.</summary>
/// <param name="Epoch">The epoch just finished, counting from 1.</param>
/// <param name="NumberOfEpochs">The most epochs the training will run.</param>
/// <param name="TrainingLoss">Mean weighted training loss over the epoch's batches plus the L2 term.</param>
/// <param name="ValidationLoss">Mean weighted loss on the held-out rows (no L2 term), or null without early stopping.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record MlpEpochProgress(int Epoch, int NumberOfEpochs, double TrainingLoss, double? ValidationLoss, TimeSpan Elapsed);
