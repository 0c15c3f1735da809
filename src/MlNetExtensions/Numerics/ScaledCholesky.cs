using MathNet.Numerics.LinearAlgebra;

namespace MlNetExtensions.Numerics;

/// <summary>
/// Cholesky factorisation of a symmetric positive definite matrix A after Jacobi scaling (A' = D⁻¹AD⁻¹ with D = √diag(A),
/// so A' has a unit diagonal): features in very different units then do not look ill-conditioned, and the pivots of the
/// scaled factor give an estimate of the reciprocal condition number. The one factorisation behind every solve and
/// inverse of the library's normal equations, Newton steps and coefficient statistics.
/// </summary>
internal sealed class ScaledCholesky
{
    /// <summary>Below this estimate of 1/cond of the scaled matrix the factor is not trusted for solves or statistics.</summary>
    public const double ReciprocalConditionLimit = 1e-12;

    /// <summary>A diagonal entry at or below this fraction of the largest counts as zero (a constant feature).</summary>
    public const double RelativeDiagonalCutoff = 1e-12;

    private readonly double[] _scale;
    private readonly MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> _factor;

    private ScaledCholesky(double[] scale, MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> factor, double reciprocalCondition)
    {
        _scale = scale;
        _factor = factor;
        ReciprocalCondition = reciprocalCondition;
    }

    /// <summary>(min pivot / max pivot)² of the scaled factor: an estimate of 1/cond(A').</summary>
    public double ReciprocalCondition { get; }

    public int Size => _scale.Length;

    /// <summary>
    /// Factors <paramref name="matrix"/>, or returns null with the reason in <paramref name="why"/>: a (near) zero diagonal
    /// entry, a failed factorisation (not positive definite), or a reciprocal condition estimate below
    /// <paramref name="reciprocalConditionLimit"/> (0 accepts any factor that exists).
    /// </summary>
    public static ScaledCholesky? TryFactor(Matrix<double> matrix, out string? why, double reciprocalConditionLimit = ReciprocalConditionLimit)
    {
        int n = matrix.RowCount;
        var scale = new double[n];
        double maxDiagonal = 0;
        for (int i = 0; i < n; i++) maxDiagonal = Math.Max(maxDiagonal, matrix[i, i]);
        for (int i = 0; i < n; i++)
        {
            if (!(matrix[i, i] > maxDiagonal * RelativeDiagonalCutoff))
            {
                why = $"coefficient {i} has (near) zero curvature: a constant or all-zero feature";
                return null;
            }
            scale[i] = Math.Sqrt(matrix[i, i]);
        }
        var scaled = Matrix<double>.Build.Dense(n, n, (i, j) => matrix[i, j] / (scale[i] * scale[j]));
        MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> factor;
        try
        {
            factor = scaled.Cholesky();
        }
        catch (ArgumentException)
        {
            why = "the matrix is not positive definite (collinear features, or fewer rows than features)";
            return null;
        }
        double minPivot = double.MaxValue, maxPivot = 0;
        for (int i = 0; i < n; i++)
        {
            double pivot = Math.Abs(factor.Factor[i, i]);
            minPivot = Math.Min(minPivot, pivot);
            maxPivot = Math.Max(maxPivot, pivot);
        }
        double reciprocalCondition = n == 0 ? 1 : minPivot / maxPivot * (minPivot / maxPivot);
        if (!(reciprocalCondition >= reciprocalConditionLimit))
        {
            why = $"the matrix is ill-conditioned (reciprocal condition estimate {reciprocalCondition:G3})";
            return null;
        }
        why = null;
        return new ScaledCholesky(scale, factor, reciprocalCondition);
    }

    /// <summary>x with A·x = <paramref name="rhs"/>.</summary>
    public Vector<double> Solve(Vector<double> rhs)
    {
        var s = _scale;
        var scaled = _factor.Solve(Vector<double>.Build.Dense(rhs.Count, i => rhs[i] / s[i]));
        return Vector<double>.Build.Dense(rhs.Count, i => scaled[i] / s[i]);
    }

    /// <summary>A⁻¹.</summary>
    public Matrix<double> Inverse()
    {
        var s = _scale;
        var inverse = _factor.Solve(Matrix<double>.Build.DenseIdentity(Size));
        return Matrix<double>.Build.Dense(Size, Size, (i, j) => inverse[i, j] / (s[i] * s[j]));
    }
}
