namespace MlNetExtensions;

/// <summary>How <see cref="ClosedFormLinearRegressionTrainer"/> solves the (ridge) normal equations (XᵀWX + λI)θ = XᵀWy (centred).</summary>
public enum LinearRegressionSolver
{
    /// <summary>
    /// The default: <see cref="NormalEquations"/> when d ≤ 2,048 and the d × d matrices fit the memory budget (one pass,
    /// exact), <see cref="ConjugateGradient"/> otherwise (wide text and one-hot features). The choice is logged.
    /// </summary>
    Auto,

    /// <summary>
    /// One streaming pass accumulates the d × d sufficient statistics (O(d²) memory, any number of rows), then Cholesky solves
    /// them exactly, falling back to the minimum-norm solution when the system is singular. Costs O(n·d²) for the pass
    /// (O(Σ nnzᵣ²) on sparse rows) and O(d³) for the solve; refused over the memory budget.
    /// </summary>
    NormalEquations,

    /// <summary>
    /// Conjugate gradients on the same normal equations over the rows held in memory (sparse rows stay sparse; the d × d
    /// matrix is never formed), from θ = 0, so that rank-deficient data still gives the minimum-norm solution; stops at
    /// <see cref="ClosedFormLinearRegressionTrainer.Options.ConjugateGradientTolerance"/>. O(nnz) per iteration and O(nnz + n + d)
    /// memory; no coefficient standard errors (they need the d × d inverse). On nearly singular data without L2 the two solvers
    /// part ways: the normal equations cut eigenvalues below 1e-12 of the largest, conjugate gradients chase them (smaller
    /// residuals, far larger weights); a little L2Regularization makes the problem well posed for both.
    /// </summary>
    ConjugateGradient,
}
