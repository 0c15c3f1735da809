namespace MlNetExtensions;

/// <summary>The minimiser <see cref="BceLogisticRegressionTrainer"/> uses.</summary>
public enum LogisticOptimizer
{
    /// <summary>
    /// Newton's method (IRLS): the exact Hessian, solved by Cholesky, with a backtracking line search. A handful of passes,
    /// each O(n·d²), whatever the scaling of the features: the default (see the measurement in
    /// <see cref="BceLogisticRegressionTrainer.Options.Defaults.Optimizer"/>).
    /// </summary>
    Newton,

    /// <summary>Limited-memory BFGS with a backtracking line search: O(n·d) per pass, more passes; for large d.</summary>
    Lbfgs,

    /// <summary>
    /// Textbook gradient descent θ ← θ − α∇f, full batch or mini-batch; many cheap passes. For teaching and comparison.
    /// </summary>
    GradientDescent,
}
