using MlNetExtensions.Data;

namespace MlNetExtensions;

/// <summary>
/// What the generalised-linear-model trainers (logistic and Poisson regression) share: the objective's L2 penalty, how far
/// the minimiser goes, and the coefficient statistics. Each trainer adds its optimizer choice and whatever else it has.
/// </summary>
public abstract class GlmTrainerOptions : TrainerOptions
{
    /// <summary>The defaults the GLM trainers share.</summary>
    internal static class GlmDefaults
    {
        /// <summary>Stop when the Euclidean norm of the mean objective's gradient is at most 1e-6.</summary>
        public const double GradientTolerance = 1e-6;
        /// <summary>At most 1000 iterations (Newton or L-BFGS steps; gradient-descent steps or mini-batch epochs).</summary>
        public const int MaximumNumberOfIterations = 1000;
        /// <summary>L-BFGS keeps the last 10 correction pairs.</summary>
        public const int HistorySize = 10;
    }

    /// <param name="l2Regularization">The trainer's default λ.</param>
    private protected GlmTrainerOptions(double l2Regularization) => L2Regularization = l2Regularization;

    /// <summary>L2 penalty λ ≥ 0 in (λ/2)‖θ‖² on the weights (not the bias), added to the mean loss; each trainer documents its default.</summary>
    public double L2Regularization { get; set; }

    /// <summary>Stop when ‖∇f‖₂ ≤ this (f the mean objective; with L1, the pseudo-gradient's norm). Default 1e-6.</summary>
    public double GradientTolerance { get; set; } = GlmDefaults.GradientTolerance;

    /// <summary>Iteration cap (Newton or L-BFGS steps; for gradient descent, steps or mini-batch epochs). Default 1000.</summary>
    public int MaximumNumberOfIterations { get; set; } = GlmDefaults.MaximumNumberOfIterations;

    /// <summary>L-BFGS only: correction pairs kept. Default 10.</summary>
    public int HistorySize { get; set; } = GlmDefaults.HistorySize;

    /// <summary>
    /// Whether to compute standard errors, z and p-values after the fit (deviance and AIC are always there). They need one
    /// O(n·d²) Hessian pass and an O(d³) inverse of a (d + 1)² matrix. Default null: when d ≤ 1,000 and n·(d + 1)² ≤ 2·10¹⁰
    /// (200,000 rows × 200 features, not × 1,000); true: at any d; false: never. Either way only when the matrices fit
    /// <see cref="TrainerOptions.MemoryBudgetBytes"/>; when they are not computed,
    /// <see cref="CoefficientStatistics.UnavailableReason"/> and the log say why.
    /// </summary>
    public bool? ComputeStatistics { get; set; }

    internal override void Validate()
    {
        base.Validate();
        OptionChecks.NonNegativeFinite(L2Regularization, nameof(L2Regularization));
        OptionChecks.PositiveFinite(GradientTolerance, nameof(GradientTolerance));
        OptionChecks.Positive(MaximumNumberOfIterations, nameof(MaximumNumberOfIterations));
        OptionChecks.Positive(HistorySize, nameof(HistorySize));
    }
}
