namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>
/// A mini-batch update rule over the network's single parameter vector (all weights and biases, contiguous). Its
/// state (step count and moments) can be read out and restored, so that a continued fit goes on with the same moments.
/// </summary>
internal abstract class ParameterOptimizer
{
    public static ParameterOptimizer Create(MlpOptions options, int parameterCount) => options.Optimizer switch
    {
        MlpOptimizer.Sgd => new SgdOptimizer(options.LearningRate),
        MlpOptimizer.Momentum => new MomentumOptimizer(options.LearningRate, (float)options.Momentum, options.Nesterov, parameterCount),
        MlpOptimizer.Adam => new AdamOptimizer(options.LearningRate, options.Beta1, options.Beta2, (float)options.Epsilon, parameterCount),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, $"{options.Optimizer} is not a mini-batch optimizer."),
    };

    protected ParameterOptimizer(double learningRate) => LearningRate = learningRate;

    /// <summary>The step size η the next steps use (the schedule sets it before every epoch).</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps taken so far.</summary>
    public long Steps { get; protected set; }

    /// <summary>Adam's m or momentum's velocity (the live array); null when the rule keeps none.</summary>
    public virtual float[]? FirstMoments => null;

    /// <summary>Adam's v (the live array); null when the rule keeps none.</summary>
    public virtual float[]? SecondMoments => null;

    /// <summary>Takes over the state of an earlier fit (same rule, same parameter count: checked by the caller).</summary>
    public void Restore(long steps, float[]? firstMoments, float[]? secondMoments)
    {
        Steps = steps;
        firstMoments?.CopyTo(FirstMoments!, 0);
        secondMoments?.CopyTo(SecondMoments!, 0);
    }

    /// <summary>One step: moves <paramref name="parameters"/> against <paramref name="gradient"/>.</summary>
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradient);
}
