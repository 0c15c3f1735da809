using MathNet.Numerics.LinearAlgebra;

namespace MlNetExtensions.Numerics;

/// <summary>The coefficients of a least-squares fit and how they were found.</summary>
/// <param name="Weights">θ, one per feature.</param>
/// <param name="Bias">b = ȳ − θᵀx̄ (never penalised).</param>
/// <param name="Rank">Numerical rank of the (regularised) centred Gram matrix (null when the conjugate-gradient fallback did not compute it).</param>
/// <param name="IsMinimumNorm">True when the system was singular or ill-conditioned and the minimum-norm solution was returned.</param>
/// <param name="Diagnostic">Why the fallback was taken (null when Cholesky succeeded).</param>
internal sealed record LeastSquaresSolution(double[] Weights, double Bias, int? Rank, bool IsMinimumNorm, string? Diagnostic);

/// <summary>
/// Solves the centred normal equations (C + λI)θ = Σw(x−x̄)(y−ȳ), b = ȳ − θᵀx̄.
/// </summary>
/// <remarks>
/// <see cref="ScaledCholesky"/> (Jacobi-scaled, so that features in very different units do not look ill-conditioned);
/// when the factorisation fails, or its pivots show a reciprocal condition number below
/// <see cref="ScaledCholesky.ReciprocalConditionLimit"/>, a symmetric eigendecomposition gives the minimum-norm solution,
/// the one <c>numpy.linalg.lstsq</c> (and scikit-learn's <c>LinearRegression</c>) returns for centred data.
/// </remarks>
internal static class LeastSquaresSolver
{
    /// <summary>Eigenvalues below this fraction of the largest are treated as zero by the minimum-norm solve.</summary>
    private const double RelativeEigenvalueCutoff = 1e-12;

    /// <summary>
    /// Up to this d the singular case is solved by an eigendecomposition (2 s at d = 1,000 in managed code, 26 s at 2,000),
    /// which gives the minimum-norm solution exactly; beyond it as the limit the minimum-norm solution is of ridge: Cholesky
    /// of C + εI with ε = <see cref="RidgeLimitEpsilon"/> × the largest diagonal entry, which leaves the null space's
    /// components at zero and damps eigenvalues below ε, where the eigendecomposition cuts them.
    /// </summary>
    private const int EigenFallbackLimit = 1024;

    /// <summary>ε of the ridge-limit fallback, relative to the largest diagonal entry of C.</summary>
    private const double RidgeLimitEpsilon = 1e-10;

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
        int? rank = d;
        if (diagnostic is not null && d <= EigenFallbackLimit)
        {
            theta = MinimumNorm(gram, rhs, out int eigenRank);
            rank = eigenRank;
        }
        else if (diagnostic is not null)
        {
            double maxDiagonal = 0;
            for (int i = 0; i < d; i++) maxDiagonal = Math.Max(maxDiagonal, gram[i, i]);
            double epsilon = Math.Max(maxDiagonal, double.Epsilon) * RidgeLimitEpsilon;
            var damped = gram.Clone();
            for (int i = 0; i < d; i++) damped[i, i] += epsilon;
            theta = (ScaledCholesky.TryFactor(damped, out var why, reciprocalConditionLimit: 0)
                ?? throw new InvalidOperationException($"The normal equations (d = {d:N0}) could not be solved even with a ridge of {epsilon:G3}: {why}."))
                .Solve(rhs);
            rank = null;
            diagnostic += $"; solved as the ridge limit with ε = {epsilon:G3} (d = {d:N0} is too large for an eigendecomposition)";
        }

        var weights = theta!.ToArray();
        double bias = moments.LabelMean;
        for (int i = 0; i < d; i++) bias -= weights[i] * moments.FeatureMeans[i];
        return new LeastSquaresSolution(weights, bias, rank, diagnostic is not null, diagnostic);
    }

    /// <summary>(C + λI)⁻¹, or null when C + λI is singular or ill-conditioned.</summary>
    internal static Matrix<double>? TryInverseGram(LeastSquaresMoments moments, double l2Regularization)
        => ScaledCholesky.TryFactor(RegularisedGram(moments, l2Regularization), out _)?.Inverse();

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
        var factor = ScaledCholesky.TryFactor(gram, out var why);
        theta = factor?.Solve(rhs);
        return why;
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
