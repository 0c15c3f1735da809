using MathNet.Numerics.LinearAlgebra;

namespace MlNetExtensions.Numerics;

/// <summary>The coefficients of a least-squares fit and how they were found.</summary>
/// <param name="Weights">θ, one per feature.</param>
/// <param name="Bias">b = ȳ − θᵀx̄ (never penalised).</param>
/// <param name="Rank">Numerical rank of the (regularised) centred Gram matrix.</param>
/// <param name="IsMinimumNorm">True when the system was singular or ill-conditioned and the minimum-norm solution was returned.</param>
/// <param name="Diagnostic">Why the fallback was taken (null when Cholesky succeeded).</param>
public sealed record LeastSquaresSolution(double[] Weights, double Bias, int Rank, bool IsMinimumNorm, string? Diagnostic);

/// <summary>
/// Solves the centred normal equations (C + λI)θ = Σw(x−x̄)(y−ȳ), b = ȳ − θᵀx̄.
/// </summary>
/// <remarks>
/// Cholesky on the Jacobi-scaled system (unit diagonal), so that features in very different units do not
/// look ill-conditioned; when the factorisation fails, or its pivots show a reciprocal condition number below
/// <see cref="ReciprocalConditionLimit"/>, a symmetric eigendecomposition gives the minimum-norm solution,
/// the one <c>numpy.linalg.lstsq</c> (and scikit-learn's <c>LinearRegression</c>) returns for centred data.
/// </remarks>
public static class LeastSquaresSolver
{
    /// <summary>Below this estimate of 1/cond of the scaled system, Cholesky is not trusted.</summary>
    public const double ReciprocalConditionLimit = 1e-12;

    /// <summary>Eigenvalues below this fraction of the largest are treated as zero by the minimum-norm solve.</summary>
    public const double RelativeEigenvalueCutoff = 1e-12;

    /// <summary>Solves the (ridge) least-squares problem described by <paramref name="moments"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2Regularization"/> is negative or not finite.</exception>
    public static LeastSquaresSolution Solve(LeastSquaresMoments moments, double l2Regularization)
    {
        ArgumentNullException.ThrowIfNull(moments);
        if (!double.IsFinite(l2Regularization) || l2Regularization < 0)
            throw new ArgumentOutOfRangeException(nameof(l2Regularization), l2Regularization, "The L2 regularization must be a finite number ≥ 0.");
        int d = moments.FeatureCount;
        if (d == 0) return new LeastSquaresSolution([], moments.LabelMean, 0, false, null);

        var gram = RegularisedGram(moments, l2Regularization);
        var rhs = Vector<double>.Build.DenseOfArray(moments.FeatureLabelProducts);

        string? diagnostic = TryCholesky(gram, rhs, out var theta);
        int rank = d;
        if (diagnostic is not null)
            theta = MinimumNorm(gram, rhs, out rank);

        var weights = theta!.ToArray();
        double bias = moments.LabelMean;
        for (int i = 0; i < d; i++) bias -= weights[i] * moments.FeatureMeans[i];
        return new LeastSquaresSolution(weights, bias, rank, diagnostic is not null, diagnostic);
    }

    /// <summary>(C + λI)⁻¹, or null when C + λI is singular or ill-conditioned.</summary>
    internal static Matrix<double>? TryInverseGram(LeastSquaresMoments moments, double l2Regularization)
    {
        int d = moments.FeatureCount;
        var gram = RegularisedGram(moments, l2Regularization);
        if (!TryScaledCholesky(gram, out var scale, out var cholesky, out _)) return null;
        var inverseScaled = cholesky!.Solve(Matrix<double>.Build.DenseIdentity(d));
        return Matrix<double>.Build.Dense(d, d, (i, j) => inverseScaled[i, j] / (scale[i] * scale[j]));
    }

    internal static Matrix<double> RegularisedGram(LeastSquaresMoments moments, double l2Regularization)
    {
        int d = moments.FeatureCount;
        var gram = Matrix<double>.Build.Dense(d, d, (i, j) => moments.CrossProducts[i * d + j]);
        if (l2Regularization > 0)
            for (int i = 0; i < d; i++) gram[i, i] += l2Regularization;
        return gram;
    }

    private static string? TryCholesky(Matrix<double> gram, Vector<double> rhs, out Vector<double>? theta)
    {
        theta = null;
        if (!TryScaledCholesky(gram, out var scale, out var cholesky, out var why)) return why;
        var scaledRhs = Vector<double>.Build.Dense(rhs.Count, i => rhs[i] / scale[i]);
        var scaledTheta = cholesky!.Solve(scaledRhs);
        theta = Vector<double>.Build.Dense(rhs.Count, i => scaledTheta[i] / scale[i]);
        return null;
    }

    private static bool TryScaledCholesky(Matrix<double> gram, out double[] scale,
        out MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double>? cholesky, out string? why)
    {
        int d = gram.RowCount;
        scale = new double[d];
        cholesky = null;
        double maxDiagonal = 0;
        for (int i = 0; i < d; i++) maxDiagonal = Math.Max(maxDiagonal, gram[i, i]);
        for (int i = 0; i < d; i++)
        {
            if (!(gram[i, i] > maxDiagonal * RelativeEigenvalueCutoff))
            {
                why = $"feature {i} has (near) zero variance";
                return false;
            }
            scale[i] = Math.Sqrt(gram[i, i]);
        }
        var s = scale;
        var scaled = Matrix<double>.Build.Dense(d, d, (i, j) => gram[i, j] / (s[i] * s[j]));
        try
        {
            cholesky = scaled.Cholesky();
        }
        catch (ArgumentException)
        {
            why = "the Gram matrix is not positive definite (collinear features or fewer rows than features)";
            return false;
        }
        double minPivot = double.MaxValue, maxPivot = 0;
        for (int i = 0; i < d; i++)
        {
            double pivot = Math.Abs(cholesky.Factor[i, i]);
            minPivot = Math.Min(minPivot, pivot);
            maxPivot = Math.Max(maxPivot, pivot);
        }
        double reciprocalCondition = minPivot / maxPivot * (minPivot / maxPivot);
        if (!(reciprocalCondition >= ReciprocalConditionLimit))
        {
            why = $"the Gram matrix is ill-conditioned (reciprocal condition estimate {reciprocalCondition:G3})";
            cholesky = null;
            return false;
        }
        why = null;
        return true;
    }

    private static Vector<double> MinimumNorm(Matrix<double> gram, Vector<double> rhs, out int rank)
    {
        var evd = gram.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Real();
        var vectors = evd.EigenVectors;
        double max = values.Maximum();
        double cutoff = Math.Max(max, 0) * RelativeEigenvalueCutoff;
        var theta = Vector<double>.Build.Dense(rhs.Count);
        rank = 0;
        for (int k = 0; k < values.Count; k++)
        {
            if (!(values[k] > cutoff)) continue;
            rank++;
            var v = vectors.Column(k);
            theta += v * (v.DotProduct(rhs) / values[k]);
        }
        return theta;
    }
}
