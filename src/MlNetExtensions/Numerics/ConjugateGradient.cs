namespace MlNetExtensions.Numerics;

/// <summary>A symmetric positive semi-definite operator v ↦ A·v, applied without forming A.</summary>
internal interface ISymmetricOperator
{
    int Dimension { get; }

    /// <summary>result = A·v.</summary>
    void Apply(ReadOnlySpan<double> v, Span<double> result);
}

/// <summary>How a conjugate-gradient solve ended.</summary>
/// <param name="Iterations">Operator applications after the first.</param>
/// <param name="RelativeResidual">‖b − A·x‖₂ / ‖b‖₂ at the end (recomputed from scratch, not the recurrence's estimate).</param>
/// <param name="Converged">True when the relative residual reached the tolerance.</param>
internal readonly record struct ConjugateGradientResult(int Iterations, double RelativeResidual, bool Converged);

/// <summary>
/// The conjugate-gradient method for A·x = b with A symmetric positive semi-definite, started from x = 0: every iterate then
/// lies in the Krylov space of b, inside the range of A, so on a singular but consistent system (collinear features, fewer
/// rows than features) it converges to the minimum-norm solution, the one <c>lstsq</c> returns. One operator
/// application, two dot products and three scaled adds an iteration; the residual is recomputed every 50 iterations and
/// at the end, so that the stopping test does not trust the recurrence's drift.
/// </summary>
internal static class ConjugateGradient
{
    private const int ResidualRefresh = 50;

    /// <exception cref="OperationCanceledException">From <paramref name="checkCancellation"/>.</exception>
    public static ConjugateGradientResult Solve(ISymmetricOperator a, ReadOnlySpan<double> b, Span<double> x, double tolerance, int maximumIterations,
        Action? checkCancellation = null)
    {
        int n = a.Dimension;
        x.Clear();
        double bNorm = Math.Sqrt(Dot(b, b));
        if (bNorm == 0) return new ConjugateGradientResult(0, 0, true);
        var r = b.ToArray();
        var p = b.ToArray();
        var ap = new double[n];
        double rr = Dot(r, r);
        int it = 0;
        for (; it < maximumIterations && Math.Sqrt(rr) > tolerance * bNorm; it++)
        {
            if ((it & 15) == 0) checkCancellation?.Invoke();
            a.Apply(p, ap);
            double pap = Dot(p, ap);
            if (!(pap > 0)) break; // p in A's null space: b's component there is rounding, nothing more to gain
            double alpha = rr / pap;
            for (int i = 0; i < n; i++)
            {
                x[i] += alpha * p[i];
                r[i] -= alpha * ap[i];
            }
            if ((it + 1) % ResidualRefresh == 0) Residual(a, b, x, r, ap);
            double next = Dot(r, r);
            double beta = next / rr;
            rr = next;
            for (int i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
        }
        Residual(a, b, x, r, ap);
        double relative = Math.Sqrt(Dot(r, r)) / bNorm;
        return new ConjugateGradientResult(it, relative, relative <= tolerance);
    }

    /// <summary>r = b − A·x (scratch holds A·x).</summary>
    private static void Residual(ISymmetricOperator a, ReadOnlySpan<double> b, ReadOnlySpan<double> x, Span<double> r, Span<double> scratch)
    {
        a.Apply(x, scratch);
        for (int i = 0; i < r.Length; i++) r[i] = b[i] - scratch[i];
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
}

/// <summary>A dense symmetric matrix as an operator (the normal equations' fallback when their Cholesky factor fails at large d).</summary>
internal sealed class DenseSymmetricOperator(MathNet.Numerics.LinearAlgebra.Matrix<double> matrix) : ISymmetricOperator
{
    public int Dimension => matrix.RowCount;

    public void Apply(ReadOnlySpan<double> v, Span<double> result)
    {
        var product = matrix * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(v.ToArray());
        for (int i = 0; i < result.Length; i++) result[i] = product[i];
    }
}
