using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Onnx;

namespace MlNetExtensions;

/// <summary>
/// What an MLP learned: its layer sizes, activation, weights and biases, and the loss curve of its training. The
/// <c>Model</c> of the transformer that the <c>Mlp</c> trainers return.
/// </summary>
/// <remarks>
/// Layer l (0 = the first hidden layer, <see cref="LayerCount"/> − 1 = the output layer) maps
/// <c>LayerSizes[l]</c> inputs to <c>LayerSizes[l + 1]</c> units: z = a·W + b, with W stored input-major
/// (<c>W[i·outputs + j]</c> is the weight from input i to unit j).
/// </remarks>
public sealed class MlpModelParameters
{
    private readonly double[] _trainingLoss;
    private readonly double[]? _validationLoss;

    private readonly MlpOptions? _options;

    internal MlpModelParameters(MlpTask task, MlpNetwork network, double[] trainingLoss, double[]? validationLoss, int bestEpoch,
        string[]? classNames, MlpOptions? options = null)
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
    }

    internal MlpNetwork Network { get; }

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

    /// <summary>Training loss after each epoch: mean weighted loss over the epoch's batches plus (λ/2)‖W‖².</summary>
    public IReadOnlyList<double> TrainingLoss => _trainingLoss;

    /// <summary>Mean weighted loss on the held-out rows after each epoch, or null when early stopping was off.</summary>
    public IReadOnlyList<double>? ValidationLoss => _validationLoss;

    /// <summary>The epoch (from 1) whose weights the model holds: the best validation epoch with early stopping, else the last.</summary>
    public int BestEpoch { get; }

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
