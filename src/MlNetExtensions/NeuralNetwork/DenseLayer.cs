using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// A fully connected layer z = a·W + b over a batch of rows. Its weights W (inputs × outputs, stored input-major so
/// that the forward product streams contiguous rows of W) and then its biases b live in one slice of the network's
/// parameter vector, starting at <see cref="Offset"/>; its gradient has the same layout in the gradient vector.
/// </summary>
internal sealed class DenseLayer(int inputs, int outputs, int offset)
{
    public int Inputs { get; } = inputs;
    public int Outputs { get; } = outputs;
    public int Offset { get; } = offset;
    public int WeightCount => Inputs * Outputs;
    public int ParameterCount => WeightCount + Outputs;

    public Span<float> Weights(Span<float> parameters) => parameters.Slice(Offset, WeightCount);
    public ReadOnlySpan<float> Weights(ReadOnlySpan<float> parameters) => parameters.Slice(Offset, WeightCount);
    public ReadOnlySpan<float> Biases(ReadOnlySpan<float> parameters) => parameters.Slice(Offset + WeightCount, Outputs);
    public Span<float> Biases(Span<float> parameters) => parameters.Slice(Offset + WeightCount, Outputs);

    /// <summary>output[rows × Outputs] = input[rows × Inputs]·W + b.</summary>
    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int rows, Span<float> output)
        => Gemm.Multiply(input, rows, Inputs, Weights(parameters), Outputs, output, Biases(parameters));

    /// <summary>
    /// Writes ∂L/∂W = inputᵀ·δ and ∂L/∂b = Σ δ into this layer's slice of <paramref name="gradient"/>, and, when
    /// <paramref name="inputDelta"/> is not empty, ∂L/∂input = δ·Wᵀ (through a transposed copy of W, so that the
    /// product runs in the same vectorised kernel).
    /// </summary>
    public void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> delta, int rows,
        Span<float> gradient, Span<float> inputDelta, Span<float> transposeScratch)
    {
        Gemm.MultiplyTransposedLeft(input, rows, Inputs, delta, Outputs, gradient.Slice(Offset, WeightCount));
        Gemm.ColumnSums(delta, rows, Outputs, gradient.Slice(Offset + WeightCount, Outputs));
        if (inputDelta.IsEmpty) return;
        Gemm.Transpose(Weights(parameters), Inputs, Outputs, transposeScratch);
        Gemm.Multiply(delta, rows, Outputs, transposeScratch, Inputs, inputDelta, ReadOnlySpan<float>.Empty);
    }
}
