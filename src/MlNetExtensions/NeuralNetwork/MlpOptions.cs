using MlNetExtensions.Data;
namespace MlNetExtensions;

/// <summary>
/// Options of the multi-layer perceptron, shared by the regression, binary and multiclass <c>Mlp</c> trainers.
/// Defaults (in <see cref="Defaults"/>) follow scikit-learn's <c>MLPRegressor</c>/<c>MLPClassifier</c> where both
/// have the knob, so the two compare like for like.
/// </summary>
/// <remarks>
/// The objective is the weighted mean loss over the batch plus (λ/2)‖W‖² over the weights (not the biases).
/// scikit-learn divides its penalty by the batch size, so its <c>alpha</c> equals λ × batch size (λ × n with L-BFGS).
/// For regression with <see cref="StandardizeLabel"/> (the default) the loss is that of the standardised label; see
/// <see cref="StandardizeLabel"/> for the objective in the label's own units.
/// </remarks>
public sealed class MlpOptions : TrainerOptions
{
    /// <summary>
    /// The defaults, in one place, each with its reason. The rule: where scikit-learn's <c>MLPRegressor</c> /
    /// <c>MLPClassifier</c> has the knob, its default, so the two compare like for like and scikit-learn's advice carries
    /// over; where it has none, what lets a user keep the default (measured in the README).
    /// </summary>
    internal static class Defaults
    {
        /// <summary>Width of the single hidden layer used when <see cref="HiddenLayerSizes"/> is null: 32, as the library's
        /// API contract fixes it (scikit-learn's is 100), enough for the small tabular sets the MLP is meant for.</summary>
        public const int HiddenLayerSize = 32;
        /// <summary>ReLU, as scikit-learn: cheap, no saturation.</summary>
        public const MlpActivation Activation = MlpActivation.Relu;
        /// <summary>Slope of LeakyReLU for negative inputs (the usual 0.01; scikit-learn has no LeakyReLU).</summary>
        public const double LeakyReluSlope = 0.01;
        /// <summary>Adam, as scikit-learn: robust to the learning rate and to badly scaled gradients.</summary>
        public const MlpOptimizer Optimizer = MlpOptimizer.Adam;
        /// <summary>Step size η, as scikit-learn's <c>learning_rate_init</c> (Adam's usual 1e-3).</summary>
        public const double LearningRate = 1e-3;
        /// <summary>Constant η, as scikit-learn's <c>learning_rate='constant'</c>: Adam adapts its steps itself.</summary>
        public const MlpLearningRateSchedule LearningRateSchedule = MlpLearningRateSchedule.Constant;
        /// <summary>Exponent of <see cref="MlpLearningRateSchedule.InverseScaling"/>, as scikit-learn's <c>power_t</c>.</summary>
        public const double PowerT = 0.5;
        /// <summary>Momentum coefficient for <see cref="MlpOptimizer.Momentum"/>, as scikit-learn.</summary>
        public const double Momentum = 0.9;
        /// <summary>Nesterov's accelerated gradient with momentum, as scikit-learn's <c>nesterovs_momentum</c>.</summary>
        public const bool Nesterov = true;
        /// <summary>Adam's first-moment decay, as scikit-learn and the Adam paper.</summary>
        public const double Beta1 = 0.9;
        /// <summary>Adam's second-moment decay, as scikit-learn and the Adam paper.</summary>
        public const double Beta2 = 0.999;
        /// <summary>Adam's denominator guard, as scikit-learn and the Adam paper.</summary>
        public const double Epsilon = 1e-8;
        /// <summary>Upper bound of the default batch size min(200, n), as scikit-learn's <c>batch_size='auto'</c>.</summary>
        public const int BatchSize = 200;
        /// <summary>Passes over the training data (L-BFGS: iterations), as scikit-learn's <c>max_iter</c>.</summary>
        public const int NumberOfEpochs = 200;
        /// <summary>Shuffle the rows before every epoch, as scikit-learn: batches that differ from epoch to epoch.</summary>
        public const bool Shuffle = true;
        /// <summary>L2 penalty λ on the weights (scikit-learn's <c>alpha</c> = 1e-4 divided by its batch: a light penalty
        /// that keeps weights finite on separable data without biasing the fit visibly).</summary>
        public const double L2Regularization = 1e-4;
        /// <summary>
        /// Regression learns the label standardised (shifted by its weighted mean, divided by its spread) and folds the
        /// scaling back into the output layer at the end. Without it, Adam's steps of about η per batch cannot reach
        /// labels in the hundreds in 200 epochs (diabetes, labels 25–346: test R² −2.97 without, 0.29 with; generated
        /// labels 100–800: −14.0 and 0.75; see the README), and the L2 penalty and <see cref="Tolerance"/> would mean
        /// different things for labels in different units.
        /// </summary>
        public const bool StandardizeLabel = true;
        /// <summary>
        /// Stop once the training loss has not improved by <see cref="Tolerance"/> for more than <see cref="Patience"/>
        /// epochs, as scikit-learn always does with its stochastic solvers (<c>n_iter_no_change</c>, <c>tol</c>): a
        /// converged fit does not run out its remaining epochs.
        /// </summary>
        public const bool StopOnTrainingLossPlateau = true;
        /// <summary>Fraction of rows held out for early stopping, as scikit-learn's <c>validation_fraction</c>.</summary>
        public const double ValidationFraction = 0.1;
        /// <summary>Epochs allowed without improvement, as scikit-learn's <c>n_iter_no_change</c>.</summary>
        public const int Patience = 10;
        /// <summary>Smallest improvement that counts, and L-BFGS's gradient tolerance, as scikit-learn's <c>tol</c>.</summary>
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

    /// <summary>Step size η (finite, &gt; 0), the initial one under a schedule. Default 1e-3. Not used by <see cref="MlpOptimizer.Lbfgs"/>.</summary>
    public double LearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>
    /// How η changes over training. Default <see cref="MlpLearningRateSchedule.Constant"/>. scikit-learn applies its
    /// schedules to <c>solver='sgd'</c> only; here they scale the step of every mini-batch optimizer (Adam's bias
    /// correction comes on top).
    /// </summary>
    public MlpLearningRateSchedule LearningRateSchedule { get; set; } = Defaults.LearningRateSchedule;

    /// <summary>Exponent of <see cref="MlpLearningRateSchedule.InverseScaling"/> (finite, ≥ 0). Default 0.5.</summary>
    public double PowerT { get; set; } = Defaults.PowerT;

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

    /// <summary>
    /// Regression only (ignored by the classifiers): train on the standardised label z = (y − μ)/s, μ the weighted mean
    /// of the training labels and s their weighted standard deviation rounded to the nearest power of two (so that
    /// scaling the weights by s is exact), then fold s and μ into the output layer, so the model predicts in the label's
    /// units and stays a plain network (<see cref="MlpModelParameters.LabelShift"/>, <see cref="MlpModelParameters.LabelScale"/>
    /// record them). The objective minimised is then, for the returned network f with hidden weights W₁…W_L and output
    /// weights W_out, Σᵢ wᵢ·½((f(xᵢ) − yᵢ)/s)² / Σᵢ wᵢ + (λ/2)(‖W₁‖² + … + ‖W_L‖² + ‖W_out/s‖²): the penalty acts on the
    /// output weights in standardised units, and the loss curve and <see cref="Tolerance"/> are in those units too.
    /// Default true; false trains on y itself (μ = 0, s = 1).
    /// </summary>
    public bool StandardizeLabel { get; set; } = Defaults.StandardizeLabel;

    /// <summary>Seed of the initial weights, the shuffling and the validation split. Null takes one from the MLContext.</summary>
    public int? Seed { get; set; }

    /// <summary>Shuffle the training rows before each epoch. Default true.</summary>
    public bool Shuffle { get; set; } = Defaults.Shuffle;

    /// <summary>
    /// Stop once the training loss has not improved by at least <see cref="Tolerance"/> on its best value for more than
    /// <see cref="Patience"/> consecutive epochs (scikit-learn's <c>n_iter_no_change</c> test on the training loss).
    /// The weights are the last epoch's. Not used with <see cref="EarlyStopping"/> (the validation loss is watched
    /// instead) nor by <see cref="MlpOptimizer.Lbfgs"/> (which stops on its gradient). Default true, as scikit-learn.
    /// </summary>
    public bool StopOnTrainingLossPlateau { get; set; } = Defaults.StopOnTrainingLossPlateau;

    /// <summary>
    /// Hold out <see cref="ValidationFraction"/> of the rows (stratified by class for the classifiers, as scikit-learn),
    /// stop once their loss has not improved by <see cref="Tolerance"/> for more than <see cref="Patience"/> epochs, and
    /// keep the weights of the epoch with the lowest validation loss. Default false. (scikit-learn watches the
    /// validation accuracy or R²; this watches the validation loss, which moves with every epoch.)
    /// </summary>
    public bool EarlyStopping { get; set; }

    /// <summary>
    /// Fraction of the rows held out when <see cref="EarlyStopping"/> is on, strictly between 0 and 1: ⌈fraction·n⌉ rows,
    /// as scikit-learn's <c>train_test_split</c>. Default 0.1.
    /// </summary>
    public double ValidationFraction { get; set; } = Defaults.ValidationFraction;

    /// <summary>
    /// Epochs allowed without improvement (&gt; 0): a stopping test (<see cref="EarlyStopping"/>,
    /// <see cref="StopOnTrainingLossPlateau"/>, <see cref="MlpLearningRateSchedule.Adaptive"/>) fires at the
    /// (<see cref="Patience"/> + 1)-th consecutive epoch whose loss is not at least <see cref="Tolerance"/> below the best
    /// so far, exactly as scikit-learn's <c>n_iter_no_change</c>. Default 10.
    /// </summary>
    public int Patience { get; set; } = Defaults.Patience;

    /// <summary>
    /// Smallest decrease of the watched loss that counts as an improvement (finite, ≥ 0), and the gradient tolerance of
    /// <see cref="MlpOptimizer.Lbfgs"/> (it stops when no gradient component exceeds it), as scikit-learn's <c>tol</c>.
    /// Default 1e-4.
    /// </summary>
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
        if (!Enum.IsDefined(LearningRateSchedule))
            throw new ArgumentOutOfRangeException(nameof(LearningRateSchedule), LearningRateSchedule,
                $"LearningRateSchedule {LearningRateSchedule} is not an MlpLearningRateSchedule.");
        OptionChecks.NonNegativeFinite(PowerT, nameof(PowerT));
        OptionChecks.InHalfOpenUnitInterval(Momentum, nameof(Momentum));
        OptionChecks.InHalfOpenUnitInterval(Beta1, nameof(Beta1));
        OptionChecks.InHalfOpenUnitInterval(Beta2, nameof(Beta2));
        OptionChecks.PositiveFinite(Epsilon, nameof(Epsilon));
        if (BatchSize is { } batch) OptionChecks.Positive(batch, nameof(BatchSize));
        OptionChecks.Positive(NumberOfEpochs, nameof(NumberOfEpochs));
        OptionChecks.NonNegativeFinite(L2Regularization, nameof(L2Regularization));
        if (EarlyStopping) OptionChecks.InOpenUnitInterval(ValidationFraction, nameof(ValidationFraction));
        OptionChecks.Positive(Patience, nameof(Patience));
        OptionChecks.NonNegativeFinite(Tolerance, nameof(Tolerance));
    }

    internal override TrainerOptions Copy()
    {
        var copy = (MlpOptions)base.Copy();
        copy.HiddenLayerSizes = (int[]?)HiddenLayerSizes?.Clone();
        return copy;
    }
}

/// <summary>What one epoch of MLP training achieved, reported through <see cref="MlpOptions.Progress"/>.</summary>
/// <param name="Epoch">The epoch just finished, counting from 1 (a continued fit goes on counting from its model's
/// <see cref="MlpModelParameters.EpochsTrained"/>).</param>
/// <param name="NumberOfEpochs">The last epoch this fit will run at most (counted the same way).</param>
/// <param name="TrainingLoss">The epoch's training loss, as <see cref="MlpModelParameters.TrainingLoss"/> defines it.</param>
/// <param name="ValidationLoss">Mean weighted loss on the held-out rows (no L2 term), or null without early stopping.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="LearningRate">The learning rate η the epoch used (after its schedule; NaN for L-BFGS, which has none).</param>
public sealed record MlpEpochProgress(int Epoch, int NumberOfEpochs, double TrainingLoss, double? ValidationLoss, TimeSpan Elapsed,
    double LearningRate);
