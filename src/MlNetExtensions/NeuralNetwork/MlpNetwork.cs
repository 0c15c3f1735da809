using MlNetExtensions.NeuralNetwork.Activations;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// The network's structure and its parameters: dense layers of the given sizes (input, hidden…, output), the hidden
/// activation between them, all weights and biases in one contiguous vector (so an optimizer updates them in one pass).
/// </summary>
internal sealed class MlpNetwork
{
    public MlpNetwork(int[] layerSizes, MlpActivation activation, float leakyReluSlope, float[]? parameters = null)
    {
        LayerSizes = layerSizes;
        ActivationKind = activation;
        LeakyReluSlope = leakyReluSlope;
        Activation = HiddenActivation.Create(activation, leakyReluSlope);
        Layers = new DenseLayer[layerSizes.Length - 1];
        int offset = 0;
        for (int l = 0; l < Layers.Length; l++)
        {
            Layers[l] = new DenseLayer(layerSizes[l], layerSizes[l + 1], offset);
            offset += Layers[l].ParameterCount;
        }
        if (parameters is not null && parameters.Length != offset)
            throw new ArgumentException($"Expected {offset} parameters, got {parameters.Length}.", nameof(parameters));
        Parameters = parameters ?? new float[offset];
    }

    public int[] LayerSizes { get; }
    public MlpActivation ActivationKind { get; }
    public float LeakyReluSlope { get; }
    public HiddenActivation Activation { get; }
    public DenseLayer[] Layers { get; }
    public float[] Parameters { get; }
    public int InputCount => LayerSizes[0];
    public int OutputCount => LayerSizes[^1];
    public int HiddenLayerCount => Layers.Length - 1;
    /// <summary>Width of the representation the output layer reads: the last hidden layer, or the input without one.</summary>
    public int LastHiddenSize => LayerSizes[^2];

    /// <summary>
    /// Every layer's weights uniform in ±√(f/(fan_in + fan_out)) (Glorot; f = 6, or 2 for the logistic activation, as
    /// scikit-learn), drawn layer by layer from <paramref name="random"/>; biases zero (the trainer then sets the output
    /// layer's from the labels).
    /// </summary>
    public void Initialize(Random random)
    {
        Array.Clear(Parameters);
        for (int l = 0; l < Layers.Length; l++)
        {
            var layer = Layers[l];
            double bound = Math.Sqrt(Activation.InitializationFactor / (layer.Inputs + layer.Outputs));
            var w = layer.Weights(Parameters.AsSpan());
            for (int i = 0; i < w.Length; i++) w[i] = (float)((2 * random.NextDouble() - 1) * bound);
        }
    }

    /// <summary>The same structure with a copy of the parameters.</summary>
    public MlpNetwork Clone() => new(LayerSizes, ActivationKind, LeakyReluSlope, (float[])Parameters.Clone());

    /// <summary>Sum of the squared weights (biases excluded), for the L2 term, layer by layer in <see cref="SquareSum"/>'s order
    /// (which an optimizer step's fused sum reproduces).</summary>
    public double SquaredWeightNorm()
    {
        double sum = 0;
        foreach (var layer in Layers) sum += VectorMath.SquaredNorm(layer.Weights((ReadOnlySpan<float>)Parameters));
        return sum;
    }

    /// <summary>
    /// Runs <paramref name="rows"/> dense rows through the network; leaves each layer's activations in the workspace and
    /// returns the output layer's pre-activations (logits).
    /// </summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> x, int rows, MlpWorkspace workspace)
        => Forward(MlpInput.FromDense(x.Slice(0, rows * InputCount), rows), workspace);

    /// <summary>
    /// Runs the rows of <paramref name="x"/> (dense or sparse) through the network; leaves each layer's activations in the
    /// workspace and returns the output layer's pre-activations (logits).
    /// </summary>
    public ReadOnlySpan<float> Forward(MlpInput x, MlpWorkspace workspace)
    {
        int rows = x.Rows;
        ReadOnlySpan<float> output = default;
        for (int l = 0; l < Layers.Length; l++)
        {
            var layer = Layers[l];
            var activations = workspace.Activations[l].AsSpan(0, rows * layer.Outputs);
            if (l == 0) layer.Forward(Parameters, x, activations);
            else layer.Forward(Parameters, MlpInput.FromDense(output, rows), activations);
            if (l < Layers.Length - 1) Activation.Apply(activations);
            output = activations;
        }
        return output;
    }

    /// <summary>
    /// Back-propagates the output gradient that the loss wrote over the logits (the last workspace activation) and
    /// writes the data part of the gradient into <paramref name="gradient"/> (same layout as the parameters).
    /// </summary>
    public void Backward(ReadOnlySpan<float> x, int rows, MlpWorkspace workspace, Span<float> gradient)
        => Backward(MlpInput.FromDense(x.Slice(0, rows * InputCount), rows), workspace, gradient, null);

    /// <summary>
    /// Back-propagates the output gradient that the loss wrote over the logits (the last workspace activation). On dense
    /// input, writes the data part of the gradient into <paramref name="gradient"/> (the parameters' layout). On sparse
    /// input, the first layer's weight gradient goes to <paramref name="firstLayerWeights"/> (only the rows the batch's
    /// non-zeros touch) and <paramref name="gradient"/> holds every other parameter's: the parameters' layout from
    /// <see cref="FirstLayerWeightCount"/> on.
    /// </summary>
    public void Backward(MlpInput x, MlpWorkspace workspace, Span<float> gradient, SparseRowAccumulator? firstLayerWeights)
    {
        int rows = x.Rows;
        int skipped = x.IsSparse ? FirstLayerWeightCount : 0;
        if (x.IsSparse && firstLayerWeights is null)
            throw new ArgumentNullException(nameof(firstLayerWeights), "Sparse input needs a first-layer weight gradient.");
        for (int l = Layers.Length - 1; l >= 0; l--)
        {
            var layer = Layers[l];
            ReadOnlySpan<float> delta = l == Layers.Length - 1
                ? workspace.Activations[l].AsSpan(0, rows * layer.Outputs)
                : workspace.Deltas[l].AsSpan(0, rows * layer.Outputs);
            var biasGradient = gradient.Slice(layer.Offset + layer.WeightCount - skipped, layer.Outputs);
            if (l == 0 && x.IsSparse)
            {
                layer.BackwardSparse(x.Sparse, delta, firstLayerWeights!, biasGradient);
                break;
            }
            ReadOnlySpan<float> input = l == 0 ? x.Dense : workspace.Activations[l - 1].AsSpan(0, rows * layer.Inputs);
            var inputDelta = l == 0 ? Span<float>.Empty : workspace.Deltas[l - 1].AsSpan(0, rows * layer.Inputs);
            layer.Backward(Parameters, input, delta, rows, gradient.Slice(layer.Offset - skipped, layer.WeightCount), biasGradient,
                inputDelta, workspace.TransposeScratch);
            if (l > 0) Activation.MultiplyByDerivative(inputDelta, input);
        }
    }

    /// <summary>Parameters in the first layer's weight matrix (inputs × first layer's outputs), which sparse input reads sparsely.</summary>
    public int FirstLayerWeightCount => Layers[0].WeightCount;

    /// <summary>
    /// The parameter vector as consecutive segments, each a layer's weights (penalised by the L2 term) or its biases (not),
    /// in order: what an optimizer step walks to add λ·W to the gradient as it goes.
    /// </summary>
    public ParameterSegment[] Segments()
        => Layers.SelectMany(l => new[] { new ParameterSegment(l.Offset, l.WeightCount, true), new ParameterSegment(l.Offset + l.WeightCount, l.Outputs, false) })
            .ToArray();

    /// <summary>Adds λ·W to the weight part of <paramref name="gradient"/> (biases are not penalised).</summary>
    public void AddL2Gradient(Span<float> gradient, float lambda)
    {
        if (lambda == 0) return;
        foreach (var layer in Layers)
        {
            var g = gradient.Slice(layer.Offset, layer.WeightCount);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(layer.Weights((ReadOnlySpan<float>)Parameters), lambda, g, g);
        }
    }
}

/// <summary>A run of consecutive parameters: a layer's weights (<paramref name="Penalized"/>: under the L2 term) or its biases.</summary>
internal readonly record struct ParameterSegment(int Start, int Length, bool Penalized);

/// <summary>Per-batch buffers of a network, allocated once so that training allocates nothing per batch.</summary>
internal sealed class MlpWorkspace
{
    public MlpWorkspace(MlpNetwork network, int batchCapacity)
    {
        BatchCapacity = batchCapacity;
        Activations = network.Layers.Select(l => new float[batchCapacity * l.Outputs]).ToArray();
        Deltas = network.Layers.Select(l => new float[batchCapacity * l.Outputs]).ToArray();
        // Only layers after the first propagate a gradient to their input (through a transposed copy of their weights):
        // the first layer's matrix, 150,000 × 32 for text, would otherwise take its size in every workspace.
        TransposeScratch = new float[network.Layers.Skip(1).Select(l => l.WeightCount).DefaultIfEmpty(0).Max()];
    }

    public int BatchCapacity { get; }
    public float[][] Activations { get; }
    public float[][] Deltas { get; }
    public float[] TransposeScratch { get; }
}
