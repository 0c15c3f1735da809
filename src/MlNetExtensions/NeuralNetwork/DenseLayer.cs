using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// A fully connected layer z = a·W + b over a batch of rows. Its weights W (inputs × outputs, stored input-major so
/// that the forward product streams contiguous rows of W) and then its biases b live in one slice of the network's
/// parameter vector, starting at <see cref="Offset"/>; its gradient has the same layout in the gradient vector.
/// </summary>
/// <remarks>
/// On sparse input (the first layer only) a row's non-zero a_p adds a_p·W[p, :] to its output, and the weight gradient has
/// non-zero rows only where some row of the batch has a non-zero: <see cref="SparseGemm"/>'s kernels, which give the dense
/// kernels' values.
/// </remarks>
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

    /// <summary>output[rows × Outputs] = input[rows × Inputs]·W + b, the input dense or sparse.</summary>
    public void Forward(ReadOnlySpan<float> parameters, MlpInput input, Span<float> output)
    {
        if (input.IsSparse) SparseGemm.Multiply(input.Sparse, Weights(parameters), Outputs, output, Biases(parameters));
        else Gemm.Multiply(input.Dense, input.Rows, Inputs, Weights(parameters), Outputs, output, Biases(parameters));
    }

    /// <summary>
    /// Writes ∂L/∂W = inputᵀ·δ into <paramref name="weightGradient"/> and ∂L/∂b = Σ δ into <paramref name="biasGradient"/>,
    /// and, when <paramref name="inputDelta"/> is not empty, ∂L/∂input = δ·Wᵀ (through a transposed copy of W, so that the
    /// product runs in the same vectorised kernel).
    /// </summary>
    public void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> delta, int rows,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> inputDelta, Span<float> transposeScratch)
    {
        Gemm.MultiplyTransposedLeft(input, rows, Inputs, delta, Outputs, weightGradient);
        Gemm.ColumnSums(delta, rows, Outputs, biasGradient);
        if (inputDelta.IsEmpty) return;
        Gemm.Transpose(Weights(parameters), Inputs, Outputs, transposeScratch);
        Gemm.Multiply(delta, rows, Outputs, transposeScratch, Inputs, inputDelta, ReadOnlySpan<float>.Empty);
    }

    /// <summary>
    /// The first layer's backward pass on sparse input: the rows of ∂L/∂W that the batch's non-zeros touch go to
    /// <paramref name="weightGradient"/> (cleared first; every other row of ∂L/∂W is zero), ∂L/∂b = Σ δ to
    /// <paramref name="biasGradient"/>. The input's own gradient is never needed.
    /// </summary>
    public void BackwardSparse(CsrRows input, ReadOnlySpan<float> delta, SparseRowAccumulator weightGradient, Span<float> biasGradient)
    {
        weightGradient.Clear();
        SparseGemm.MultiplyTransposedLeft(input, delta, Outputs, weightGradient);
        Gemm.ColumnSums(delta, input.Rows, Outputs, biasGradient);
    }
}
