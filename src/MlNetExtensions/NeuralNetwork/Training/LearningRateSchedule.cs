namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>The learning rate each epoch uses, as scikit-learn's <c>learning_rate</c> schedules compute it.</summary>
internal sealed class LearningRateSchedule(MlpLearningRateSchedule kind, double initialRate, double powerT, double currentRate)
{
    /// <summary>scikit-learn's floor: the adaptive schedule stops training rather than go on below it.</summary>
    public const double AdaptiveFloor = 1e-6;

    /// <summary>The rate the adaptive schedule has reached (the initial rate for the others).</summary>
    public double Current { get; private set; } = kind == MlpLearningRateSchedule.Adaptive ? currentRate : initialRate;

    /// <summary>The rate of an epoch that starts after <paramref name="rowsSeen"/> training rows.</summary>
    public double RateForEpoch(long rowsSeen) => kind switch
    {
        MlpLearningRateSchedule.InverseScaling => initialRate / Math.Pow(rowsSeen + 1, powerT),
        _ => Current,
    };

    public bool IsAdaptive => kind == MlpLearningRateSchedule.Adaptive;

    /// <summary>
    /// The adaptive schedule's reaction to a plateau: divides the rate by 5 and returns true, or returns false when the
    /// rate is already at or below <see cref="AdaptiveFloor"/> (training should stop).
    /// </summary>
    public bool TryReduce()
    {
        if (Current <= AdaptiveFloor) return false;
        Current /= 5;
        return true;
    }
}
