namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>An update rule over the network's single parameter vector (all weights and biases, contiguous).</summary>
internal abstract class ParameterOptimizer
{
    public static ParameterOptimizer Create(MlpOptions options, int parameterCount) => options.Optimizer switch
    {
        MlpOptimizer.Sgd => new SgdOptimizer((float)options.LearningRate),
        MlpOptimizer.Momentum => new MomentumOptimizer((float)options.LearningRate, (float)options.Momentum, options.Nesterov, parameterCount),
        MlpOptimizer.Adam => new AdamOptimizer(options.LearningRate, options.Beta1, options.Beta2, (float)options.Epsilon, parameterCount),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, $"Unknown optimizer {options.Optimizer}."),
    };

    /// <summary>One step: moves <paramref name="parameters"/> against <paramref name="gradient"/>.</summary>
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradient);
}
