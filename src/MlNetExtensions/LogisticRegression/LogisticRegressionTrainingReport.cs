namespace MlNetExtensions;

/// <summary>How a <see cref="BceLogisticRegressionTrainer"/> fit went: the optimizer's iterations and objective trace.</summary>
public sealed class LogisticRegressionTrainingReport
{
    internal LogisticRegressionTrainingReport(LogisticOptimizer optimizer, int iterations, bool converged, bool separationDetected,
        double objective, double gradientNorm, IReadOnlyList<double> objectiveHistory, TimeSpan elapsed)
    {
        Optimizer = optimizer;
        Iterations = iterations;
        Converged = converged;
        SeparationDetected = separationDetected;
        Objective = objective;
        GradientNorm = gradientNorm;
        ObjectiveHistory = objectiveHistory;
        Elapsed = elapsed;
    }

    /// <summary>The optimizer used.</summary>
    public LogisticOptimizer Optimizer { get; }

    /// <summary>
    /// Iterations taken (Newton or L-BFGS steps, gradient-descent steps, or mini-batch epochs). For gradient descent without
    /// L2 on separable data, the steps of the Newton probe that found the separation (see the log).
    /// </summary>
    public int Iterations { get; }

    /// <summary>True when the gradient norm reached the tolerance.</summary>
    public bool Converged { get; }

    /// <summary>True when the data was found linearly separable without L2 and the fit stopped early (see the log).</summary>
    public bool SeparationDetected { get; }

    /// <summary>The final objective (Σw·BCE)/Σw + (λ/2)‖θ‖², in nats.</summary>
    public double Objective { get; }

    /// <summary>‖∇f‖₂ at the end.</summary>
    public double GradientNorm { get; }

    /// <summary>The objective at the start and after each iteration (index 0 is the null model).</summary>
    public IReadOnlyList<double> ObjectiveHistory { get; }

    /// <summary>Wall time of the fit, reading the data included.</summary>
    public TimeSpan Elapsed { get; }
}
