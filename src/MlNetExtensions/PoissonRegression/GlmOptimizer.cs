namespace MlNetExtensions;

/// <summary>The minimiser of a generalised linear model trainer other than logistic regression (which has <see cref="LogisticOptimizer"/>).</summary>
public enum GlmOptimizer
{
    /// <summary>The default: <see cref="Newton"/> up to 100 features when its Hessian fits the memory budget, <see cref="Lbfgs"/> otherwise (logged).</summary>
    Auto,

    /// <summary>Newton's method (IRLS) with a backtracking line search: a handful of O(n·d²) passes, insensitive to feature scaling.</summary>
    Newton,

    /// <summary>Limited-memory BFGS with a backtracking line search: O(n·d) per pass, more passes; for wide or sparse features.</summary>
    Lbfgs,
}
