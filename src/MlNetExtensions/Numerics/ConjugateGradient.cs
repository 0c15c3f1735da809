namespace MlNetExtensions.Numerics;

/// <summary>A linear map A (n × d) and its transpose, applied without forming A.</summary>
internal interface ILinearOperator
{
    /// <summary>d, the length of the vectors A maps.</summary>
    int Columns { get; }

    /// <summary>n, the length of the vectors A maps to.</summary>
    int Rows { get; }

    /// <summary>result (n) = A·v.</summary>
    void Multiply(ReadOnlySpan<double> v, Span<double> result);

    /// <summary>result (d) = Aᵀ·u.</summary>
    void MultiplyTransposed(ReadOnlySpan<double> u, Span<double> result);
}

/// <summary>How a conjugate-gradient solve ended.</summary>
/// <param name="Iterations">Iterations taken.</param>
/// <param name="RelativeResidual">‖Aᵀ(b − Aθ) − λθ‖₂ / ‖Aᵀb‖₂ at the end: the relative residual of the normal equations
/// (AᵀA + λI)θ = Aᵀb, recomputed from scratch, not the recurrence's estimate.</param>
/// <param name="Converged">True when the relative residual reached the tolerance.</param>
internal readonly record struct ConjugateGradientResult(int Iterations, double RelativeResidual, bool Converged);

/// <summary>
/// Conjugate gradients for the damped least-squares problem min ‖b − Aθ‖² + λ‖θ‖², i.e. the normal equations
/// (AᵀA + λI)θ = Aᵀb, in Björck's CGLS form: the residual is kept in data space (r = b − Aθ) and the normal-equation residual
/// s = Aᵀr − λθ is formed afresh from it every iteration, which keeps the rounding that a recursion on the normal equations
/// accumulates out of A's null space. Started from θ = 0, every iterate lies in the range of Aᵀ, so on rank-deficient data
/// (collinear features, fewer rows than features, λ = 0) it converges to the minimum-norm solution, the one <c>lstsq</c>
/// returns. One A·p and one Aᵀ·r an iteration; the best iterate seen is returned.
/// </summary>
internal static class ConjugateGradient
{
    /// <exception cref="OperationCanceledException">From <paramref name="checkCancellation"/>.</exception>
    public static ConjugateGradientResult SolveLeastSquares(ILinearOperator a, ReadOnlySpan<double> b, double lambda, Span<double> x,
        double tolerance, int maximumIterations, Action? checkCancellation = null)
    {
        int d = a.Columns;
        x.Clear();
        var r = b.ToArray();
        var s = new double[d];
        a.MultiplyTransposed(r, s);
        double sNorm0 = Norm(s);
        if (sNorm0 == 0) return new ConjugateGradientResult(0, 0, true);
        var p = (double[])s.Clone();
        var q = new double[a.Rows];
        var best = new double[d];
        double gamma = sNorm0 * sNorm0, bestNorm = sNorm0;
        int it = 0;
        for (; it < maximumIterations && Math.Sqrt(gamma) > tolerance * sNorm0; it++)
        {
            if ((it & 15) == 0) checkCancellation?.Invoke();
            a.Multiply(p, q);
            double delta = Dot(q, q) + lambda * Dot(p, p);
            if (!(delta > 0)) break; // p in A's null space without damping: nothing more to gain
            double alpha = gamma / delta;
            for (int i = 0; i < d; i++) x[i] += alpha * p[i];
            for (int i = 0; i < r.Length; i++) r[i] -= alpha * q[i];
            a.MultiplyTransposed(r, s);
            if (lambda != 0)
                for (int i = 0; i < d; i++) s[i] -= lambda * x[i];
            double next = Dot(s, s);
            if (Math.Sqrt(next) < bestNorm)
            {
                bestNorm = Math.Sqrt(next);
                x.CopyTo(best);
            }
            double beta = next / gamma;
            gamma = next;
            for (int i = 0; i < d; i++) p[i] = s[i] + beta * p[i];
        }
        if (Math.Sqrt(gamma) > bestNorm) best.CopyTo(x);
        double relative = NormalResidual(a, b, lambda, x) / sNorm0;
        return new ConjugateGradientResult(it, relative, relative <= tolerance);
    }

    /// <summary>‖Aᵀ(b − Ax) − λx‖₂, from scratch.</summary>
    private static double NormalResidual(ILinearOperator a, ReadOnlySpan<double> b, double lambda, ReadOnlySpan<double> x)
    {
        var r = new double[a.Rows];
        a.Multiply(x, r);
        for (int i = 0; i < r.Length; i++) r[i] = b[i] - r[i];
        var s = new double[a.Columns];
        a.MultiplyTransposed(r, s);
        for (int i = 0; i < s.Length; i++) s[i] -= lambda * x[i];
        return Norm(s);
    }

    private static double Norm(ReadOnlySpan<double> v) => Math.Sqrt(Dot(v, v));

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
}
