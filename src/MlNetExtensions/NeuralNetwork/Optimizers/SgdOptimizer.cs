using System.Numerics.Tensors;

namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>θ ← θ − η·g.</summary>
internal sealed class SgdOptimizer(float learningRate) : ParameterOptimizer
{
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
        => TensorPrimitives.MultiplyAdd(gradient, -learningRate, parameters, parameters);
}
