using System.Numerics.Tensors;

namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>θ ← θ − η·g.</summary>
internal sealed class SgdOptimizer(double learningRate) : ParameterOptimizer(learningRate)
{
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        Steps++;
        TensorPrimitives.MultiplyAdd(gradient, -(float)LearningRate, parameters, parameters);
    }
}
