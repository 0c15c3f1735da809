using MathNet.Numerics.LinearAlgebra;

namespace MlNetExtensions.Numerics.Optimization;

/// <summary>
/// What the minimisers need of a GLM objective f(θ, b) = (Σw·ℓ)/Σw + (λ/2)‖θ‖²: values and gradients (over all rows or a
/// contiguous range), the Hessian, a curvature bound, and what the last pass saw. Parameters are [θ, b], bias last.
/// </summary>
internal interface IGlmObjective
{
    /// <summary>Number of rows.</summary>
    int Count { get; }

    /// <summary>d, the number of features (penalised parameters).</summary>
    int FeatureCount { get; }

    /// <summary>d + 1: the weights and the bias.</summary>
    int Dimension { get; }

    /// <summary>Σw over the rows.</summary>
    double WeightSum { get; }

    /// <summary>λ of the (λ/2)‖θ‖² term.</summary>
    double L2 { get; }

    /// <summary>Threads the passes use.</summary>
    int Threads { get; }

    /// <summary>Σw·ℓ of the last evaluation (unnormalised, unpenalised).</summary>
    double LastLossSum { get; }

    /// <summary>The smallest (2y − 1)·score of the last evaluation (losses that track margins; +∞ otherwise).</summary>
    double LastMinMargin { get; }

    /// <summary>The largest |score| of the last evaluation (losses that track margins; 0 otherwise).</summary>
    double LastMaxAbsScore { get; }

    /// <summary>
    /// Whether the last evaluation was over all rows at exactly <paramref name="parameters"/>, so that
    /// <see cref="LastLossSum"/>, <see cref="LastMinMargin"/> and <see cref="LastMaxAbsScore"/> describe them.
    /// </summary>
    bool LastEvaluatedAt(ReadOnlySpan<double> parameters);

    /// <summary>f at <paramref name="parameters"/>; its gradient goes to <paramref name="gradient"/>.</summary>
    double Evaluate(ReadOnlySpan<double> parameters, Span<double> gradient);

    /// <summary>The same objective restricted to rows [start, start + rows), normalised by their weight sum: the mini-batch estimate.</summary>
    double EvaluateRows(ReadOnlySpan<double> parameters, Span<double> gradient, int start, int rows, double weightSum);

    /// <summary>
    /// The Hessian of the unnormalised penalised objective, Σw·ℓ''·x̃x̃ᵀ + λ·Σw·diag(1, …, 1, 0), as a dense (d + 1)²
    /// matrix; divide by <see cref="WeightSum"/> for the Hessian of <see cref="Evaluate"/>.
    /// </summary>
    Matrix<double> Hessian(ReadOnlySpan<double> parameters);

    /// <summary>An upper bound L on the curvature of <see cref="Evaluate"/>: 1/L is a step that always descends.</summary>
    /// <exception cref="NotSupportedException">The loss's curvature is unbounded.</exception>
    double CurvatureBound(int iterations = 30);
}
