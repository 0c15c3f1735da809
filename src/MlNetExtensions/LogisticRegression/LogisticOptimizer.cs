namespace MlNetExtensions;

/// <summary>The minimiser <see cref="BceLogisticRegressionTrainer"/> uses.</summary>
public enum LogisticOptimizer
{
    /// <summary>
    /// Newton's method (IRLS): the exact Hessian, solved by Cholesky, with a backtracking line search. A handful of passes,
    /// each O(n·d²), whatever the scaling of the features. Needs the (d + 1)² Hessian in memory: refused (with the bytes it
    /// would need) when that exceeds <see cref="TrainerOptions.MemoryBudgetBytes"/>.
    /// </summary>
    Newton,

    /// <summary>Limited-memory BFGS with a backtracking line search: O(n·d) per pass, more passes; for large d.</summary>
    Lbfgs,

    /// <summary>
    /// Textbook gradient descent θ ← θ − α∇f, full batch or mini-batch; many cheap passes. For teaching and comparison.
    /// </summary>
    GradientDescent,

    /// <summary>
    /// The default: <see cref="Newton"/> when there are at most 100 features and its Hessian fits the memory budget
    /// (robust to unscaled features, a few passes), <see cref="Lbfgs"/> otherwise (wide, text and one-hot features, where a
    /// Hessian pass would cost O(n·d²)). The choice is logged.
    /// </summary>
    Auto,
}
