using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Onnx;
using MlNetExtensions.NeuralNetwork.Training;

namespace MlNetExtensions;

/// <summary>
/// What an MLP learned: its layer sizes, activation, weights and biases, and the loss curve of its training. The
/// <c>Model</c> of the transformer that the <c>Mlp</c> trainers return.
/// </summary>
/// <remarks>
/// Layer l (0 = the first hidden layer, <see cref="LayerCount"/> − 1 = the output layer) maps
/// <c>LayerSizes[l]</c> inputs to <c>LayerSizes[l + 1]</c> units: z = a·W + b, with W stored input-major
/// (<c>W[i·outputs + j]</c> is the weight from input i to unit j). The weights predict in the label's own units: a
/// regression label standardised for training (<see cref="LabelShift"/>, <see cref="LabelScale"/>) is folded into the
/// output layer.
/// <para>
/// Continued training (<see cref="MlpTrainer.Fit(Microsoft.ML.IDataView, MlpModelParameters)"/>) resumes from the state
/// the properties under "continued training" hold: the seed and epoch counter (each epoch's shuffle is drawn from the
/// seed and the epoch number alone), the optimizer's step count and moments, the learning-rate schedule's rate and rows
/// seen, the training-loss plateau test's counter and best loss, and the label standardisation with the output biases
/// in standardised units. A model restored by <c>LoadWithExtensions</c> does not carry that state yet (the file format
/// has no place for it): there they read as for a fresh start (no moments, <see cref="LabelShift"/> 0,
/// <see cref="LabelScale"/> 1, <see cref="EpochsTrained"/> = the loss curve's length), and a continued fit from it starts
/// fresh moments in the label's own units.
/// </para>
/// </remarks>
public sealed class MlpModelParameters
{
    private readonly double[] _trainingLoss;
    private readonly double[]? _validationLoss;

    private readonly MlpOptions? _options;

    internal MlpModelParameters(MlpTask task, MlpNetwork network, double[] trainingLoss, double[]? validationLoss, int bestEpoch,
        string[]? classNames, MlpOptions? options = null, MlpTrainingState? state = null)
    {
        Task = task;
        Network = network;
        _trainingLoss = trainingLoss;
        _validationLoss = validationLoss;
        BestEpoch = bestEpoch;
        ClassNames = classNames;
        if (options is not null)
        {
            _options = (MlpOptions)options.Copy();
            _options.Progress = null; // a callback of the training run, not part of what was learned
        }
        State = state ?? MlpTrainingState.NotKept(trainingLoss.Length, options);
    }

    internal MlpNetwork Network { get; }

    /// <summary>Everything continued training needs besides the weights (the public properties below expose it).</summary>
    internal MlpTrainingState State { get; }

    /// <summary>What the network predicts; fixes the output layer (linear, one sigmoid unit, K softmax units).</summary>
    public MlpTask Task { get; }

    /// <summary>Widths of every layer: the number of features, the hidden layers, then the output units.</summary>
    public IReadOnlyList<int> LayerSizes => Network.LayerSizes;

    /// <summary>Number of weight layers (hidden layers + 1).</summary>
    public int LayerCount => Network.Layers.Length;

    /// <summary>The hidden layers' activation.</summary>
    public MlpActivation Activation => Network.ActivationKind;

    /// <summary>The slope of <see cref="MlpActivation.LeakyRelu"/> for negative inputs.</summary>
    public float LeakyReluSlope => Network.LeakyReluSlope;

    /// <summary>The class names of a multiclass model (the label's key values), or null.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>
    /// Training loss of each epoch of the fit that made this model (a continued fit lists only its own epochs): the mean
    /// over the epoch's batches, weighted by their example weights, of each batch's mean loss plus (λ/2)‖W‖² at the
    /// weights that batch saw, as scikit-learn's <c>loss_curve_</c> (L-BFGS: the full-batch objective after each iteration);
    /// for regression with a standardised label, in standardised units (multiply by <see cref="LabelScale"/>² for the
    /// label's).
    /// </summary>
    public IReadOnlyList<double> TrainingLoss => _trainingLoss;

    /// <summary>Mean weighted loss on the held-out rows after each epoch of that fit, or null when early stopping was off.</summary>
    public IReadOnlyList<double>? ValidationLoss => _validationLoss;

    /// <summary>
    /// The epoch whose weights the model holds: the best validation epoch with early stopping, else the last; counted
    /// like <see cref="EpochsTrained"/> (from 1 over all fits).
    /// </summary>
    public int BestEpoch { get; }

    /// <summary>
    /// Regression: the μ the label was shifted by for training (its weighted mean), already folded into the output bias;
    /// 0 when the label was not standardised and for classifiers.
    /// </summary>
    public double LabelShift => State.LabelShift;

    /// <summary>
    /// Regression: the s the label was divided by for training (its weighted standard deviation rounded to a power of
    /// two), already folded into the output layer; 1 when the label was not standardised and for classifiers.
    /// </summary>
    public double LabelScale => State.LabelScale;

    /// <summary>Continued training: the seed of the training's random streams (a continued fit uses it unless its options set another).</summary>
    public int Seed => State.Seed;

    /// <summary>Continued training: epochs run over all fits (L-BFGS: iterations); a continued fit's first epoch is the next one.</summary>
    public int EpochsTrained => State.EpochsTrained;

    /// <summary>Continued training: training rows processed over all fits (the t of <see cref="MlpLearningRateSchedule.InverseScaling"/>).</summary>
    public long RowsSeen => State.RowsSeen;

    /// <summary>Continued training: the optimizer whose state <see cref="OptimizerSteps"/> and the moments hold.</summary>
    public MlpOptimizer Optimizer => State.Optimizer;

    /// <summary>Continued training: parameter updates made (Adam's t; L-BFGS: iterations).</summary>
    public long OptimizerSteps => State.OptimizerSteps;

    /// <summary>
    /// Continued training: Adam's first moments m or momentum's velocity, one per parameter (all weights then biases,
    /// layer by layer, as <see cref="GetWeights"/> and <see cref="GetBiases"/> order them; the output layer's in
    /// standardised units for a standardised label); null for SGD and L-BFGS.
    /// </summary>
    public IReadOnlyList<float>? OptimizerFirstMoments => State.FirstMoments;

    /// <summary>Continued training: Adam's second moments v, laid out as <see cref="OptimizerFirstMoments"/>; null otherwise.</summary>
    public IReadOnlyList<float>? OptimizerSecondMoments => State.SecondMoments;

    /// <summary>
    /// Continued training: the learning rate the next epoch would use, as scikit-learn's <c>_optimizer.learning_rate</c>
    /// after a fit (the adaptive schedule resumes from it; inverse scaling recomputes it from <see cref="RowsSeen"/>; the
    /// constant schedule takes the continued fit's <see cref="MlpOptions.LearningRate"/>); NaN for L-BFGS.
    /// </summary>
    public double LearningRate => State.LearningRate;

    /// <summary>Continued training: the training-loss plateau test's count of epochs without improvement (0 after it fired).</summary>
    public int EpochsWithoutImprovement => State.EpochsWithoutImprovement;

    /// <summary>Continued training: the best training loss the plateau test has seen (+∞ when it did not run).</summary>
    public double BestTrainingLoss => State.BestLoss;

    /// <summary>
    /// Continued training: the output biases in standardised units (folding <see cref="LabelShift"/> into a Single bias
    /// rounds, so a continued fit starts from these); null when the label was not standardised.
    /// </summary>
    public IReadOnlyList<float>? StandardizedOutputBiases => State.StandardizedOutputBiases;

    /// <summary>
    /// A copy of the options the network was trained with (without the <see cref="MlpOptions.Progress"/> callback); saved in
    /// the model file and restored by <c>LoadWithExtensions</c>. Null for a model built otherwise.
    /// </summary>
    public MlpOptions? TrainingOptions => _options is null ? null : (MlpOptions)_options.Copy();

    /// <summary>A copy of layer <paramref name="layer"/>'s weights, inputs × units, input-major.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not in [0, <see cref="LayerCount"/>).</exception>
    public float[] GetWeights(int layer) => Network.Layers[CheckLayer(layer)].Weights((ReadOnlySpan<float>)Network.Parameters).ToArray();

    /// <summary>A copy of layer <paramref name="layer"/>'s biases, one per unit.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not in [0, <see cref="LayerCount"/>).</exception>
    public float[] GetBiases(int layer) => Network.Layers[CheckLayer(layer)].Biases(Network.Parameters).ToArray();

    /// <summary>
    /// Writes the whole network as an ONNX model (opset 13): input <paramref name="inputName"/> of shape [N, features];
    /// outputs as ML.NET's columns: <c>Score</c> [N, 1] for regression; <c>Score</c> (the margin), <c>Probability</c> [N, 1]
    /// and <c>PredictedLabel</c> (bool, Score &gt; 0) [N, 1] for binary classification; <c>Score</c> [N, K] (softmax
    /// probabilities) and <c>PredictedLabel</c> (uint32, the key: most probable class + 1) [N, 1] for multiclass. For a
    /// whole pipeline (ML.NET's transforms and the MLP in one graph) see the MlNetExtensions.Onnx package.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void ExportToOnnx(Stream stream, string inputName = "Features")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputName);
        MlpOnnxGraph.WriteWholeNetwork(this, stream, inputName);
    }

    private int CheckLayer(int layer)
    {
        if (layer < 0 || layer >= LayerCount)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer must lie in [0, {LayerCount}), but is {layer}.");
        return layer;
    }
}
