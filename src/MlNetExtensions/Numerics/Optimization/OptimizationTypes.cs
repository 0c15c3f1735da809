namespace MlNetExtensions.Numerics.Optimization;

/// <summary>The minimisers of <see cref="GlmMinimizer"/>.</summary>
internal enum MinimizerKind
{
    Newton,
    Lbfgs,
    GradientDescent,
}

/// <summary>Why a minimiser stopped.</summary>
internal enum StopReason
{
    Converged,
    IterationLimit,
    /// <summary>The stopping rule found that the objective has no finite minimiser (e.g. separable data without L2).</summary>
    NoFiniteOptimum,
    NoProgress,
}

/// <summary>Where a minimiser ended and how it got there.</summary>
internal sealed record OptimizationResult(double[] Parameters, double Objective, double GradientNorm, int Iterations,
    StopReason Reason, IReadOnlyList<double> ObjectiveHistory);

/// <summary>What every minimiser needs besides the objective.</summary>
/// <param name="MaximumIterations">Iteration cap (mini-batch gradient descent: epochs).</param>
/// <param name="GradientTolerance">Stop when ‖∇f‖₂ is at most this.</param>
/// <param name="LearningRate">Gradient descent's step; null: 1/L.</param>
/// <param name="BatchSize">Gradient descent's mini-batch rows; null: full batch.</param>
/// <param name="HistorySize">L-BFGS correction pairs.</param>
/// <param name="Seed">Seed of the mini-batch order.</param>
/// <param name="BatchWeightSums">Σw per mini-batch (contiguous batches of <paramref name="BatchSize"/> rows).</param>
/// <param name="L1">λ₁ of λ₁‖θ‖₁ (bias excluded), handled by the minimiser (OWL-QN); 0 for none.</param>
internal sealed record MinimizerSettings(int MaximumIterations, double GradientTolerance, double? LearningRate, int? BatchSize,
    int HistorySize, int Seed, double[]? BatchWeightSums, double L1 = 0);

/// <summary>
/// A model-specific stopping test the shared iteration loop asks before each step (e.g. the logistic trainer's separation
/// certificate): true stops the minimiser with <see cref="StopReason.NoFiniteOptimum"/>.
/// </summary>
internal interface IStoppingRule
{
    /// <param name="iteration">Steps taken so far.</param>
    /// <param name="objective">f at <paramref name="parameters"/>.</param>
    /// <param name="parameters">[θ, b].</param>
    /// <param name="minMargin">The objective's <see cref="IGlmObjective.LastMinMargin"/> at <paramref name="parameters"/>.</param>
    bool ShouldStop(int iteration, double objective, double[] parameters, double minMargin);
}
