using MathNet.Numerics.LinearAlgebra;

namespace MlNetExtensions.Numerics.Glm;

/// <summary>
/// An upper bound L on the curvature of a GLM objective (1/L is a gradient-descent step that always descends), from passes
/// over the rows that the caller supplies: the rows of this process (<see cref="GlmObjective{TLoss}"/>) or shards on other
/// machines, summed in a fixed order.
/// </summary>
internal static class GlmCurvatureBound
{
    /// <summary>
    /// Up to this many features the bound comes from one Hessian pass (O(n·d²), on the fast SYRK kernel) and an
    /// eigendecomposition; beyond it from power iteration (about 30 passes of O(n·d)), which is then cheaper.
    /// </summary>
    public const int ExactLimit = 256;

    /// <param name="featureCount">d.</param>
    /// <param name="l2">λ.</param>
    /// <param name="weightSum">Σw over all rows.</param>
    /// <param name="boundHessian">The unnormalised Hessian at θ = 0 with every row at <typeparamref name="TLoss"/>'s largest
    /// curvature, penalty included (only called when d ≤ <see cref="ExactLimit"/>).</param>
    /// <param name="gramProduct">Σw·x̃x̃ᵀv of its first argument into its second (only called beyond <see cref="ExactLimit"/>).</param>
    /// <param name="iterations">Power-iteration passes at most.</param>
    /// <exception cref="NotSupportedException">The loss's curvature is unbounded.</exception>
    public static double Compute<TLoss>(int featureCount, double l2, double weightSum, Func<Matrix<double>> boundHessian,
        Action<double[], double[]> gramProduct, int iterations) where TLoss : IGlmLoss
    {
        if (!double.IsFinite(TLoss.MaximumCurvature))
            throw new NotSupportedException("The loss has unbounded curvature: gradient descent has no safe constant step; use Newton or L-BFGS.");
        int d = featureCount;
        if (d <= ExactLimit)
        {
            // The Hessian with every row at the loss's largest curvature bounds the Hessian everywhere, and one pass plus an
            // eigendecomposition gives its largest eigenvalue exactly.
            var bound = boundHessian() / weightSum;
            return bound.Evd(Symmetricity.Symmetric).EigenValues.Real().Maximum() * (1 + 1e-9);
        }
        var v = new double[d + 1];
        Array.Fill(v, 1 / Math.Sqrt(d + 1));
        var product = new double[d + 1];
        double eigenvalue = 0;
        for (int it = 0; it < iterations; it++)
        {
            gramProduct(v, product);
            double norm = Math.Sqrt(product.Sum(x => x * x));
            if (!(norm > 0)) break;
            double next = norm / weightSum;
            for (int k = 0; k <= d; k++) v[k] = product[k] / norm;
            bool settled = Math.Abs(next - eigenvalue) <= 1e-3 * next;
            eigenvalue = next;
            if (settled) break;
        }
        // Power iteration approaches λmax from below: a 5% margin keeps 1/L a descent step.
        return TLoss.MaximumCurvature * eigenvalue * 1.05 + l2;
    }
}
