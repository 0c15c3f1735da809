using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.LogisticRegression;

/// <summary>Data for the logistic tests, and an independent reference fit written with Math.NET only.</summary>
internal static class LogisticTestData
{
    /// <summary>
    /// breast_cancer train (or test) split standardised with the train split's mean and population standard deviation,
    /// in float, so that the trainer and the reference see the same numbers.
    /// </summary>
    public static (float[][] X, float[] Y) BreastCancerStandardised(string split = "train")
    {
        var (train, _) = TestData.ReadMatrix("breast_cancer.train.csv");
        var (x, y) = TestData.ReadMatrix($"breast_cancer.{split}.csv");
        int n = train.GetLength(0), d = train.GetLength(1);
        var mean = new double[d];
        var sd = new double[d];
        for (int j = 0; j < d; j++)
        {
            for (int i = 0; i < n; i++) mean[j] += train[i, j];
            mean[j] /= n;
            for (int i = 0; i < n; i++) sd[j] += (train[i, j] - mean[j]) * (train[i, j] - mean[j]);
            sd[j] = Math.Sqrt(sd[j] / n);
        }
        int m = x.GetLength(0);
        var rows = new float[m][];
        for (int i = 0; i < m; i++)
        {
            rows[i] = new float[d];
            for (int j = 0; j < d; j++) rows[i][j] = (float)((x[i, j] - mean[j]) / sd[j]);
        }
        return (rows, y.Select(v => (float)v).ToArray());
    }

    /// <summary>Labels drawn from a logistic model with x ~ N(0, 1): y ~ Bernoulli(σ(θᵀx + b)).</summary>
    public static (float[][] X, float[] Y) Logistic(int n, double[] theta, double bias, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n][];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = new float[theta.Length];
            double z = bias;
            for (int j = 0; j < theta.Length; j++)
            {
                x[i][j] = (float)TestData.Gaussian(rng);
                z += theta[j] * x[i][j];
            }
            y[i] = rng.NextDouble() < 1 / (1 + Math.Exp(-z)) ? 1f : 0f;
        }
        return (x, y);
    }

    /// <summary>
    /// Reference: plain Newton on (1/Σw)Σw·BCE + (λ/2)‖θ‖² in double with Math.NET, design matrix [1, x] (bias first).
    /// Returns the coefficients (bias first) and the inverse of the unnormalised penalised Hessian at the optimum.
    /// </summary>
    public static (Vector<double> Beta, Matrix<double> Covariance) ReferenceNewton(float[][] x, float[] y, double lambda,
        float[]? weights = null)
    {
        int n = x.Length, d = x[0].Length;
        var design = Matrix<double>.Build.Dense(n, d + 1, (i, j) => j == 0 ? 1 : x[i][j - 1]);
        var labels = Vector<double>.Build.Dense(n, i => y[i]);
        var w = Vector<double>.Build.Dense(n, i => weights?[i] ?? 1.0);
        double wsum = w.Sum();
        var penalty = Matrix<double>.Build.DenseDiagonal(d + 1, d + 1, k => k == 0 ? 0 : lambda);
        var beta = Vector<double>.Build.Dense(d + 1);
        Matrix<double> hessian = penalty;
        for (int it = 0; it < 100; it++)
        {
            var p = (design * beta).Map(z => 1 / (1 + Math.Exp(-z)));
            var gradient = design.TransposeThisAndMultiply((p - labels).PointwiseMultiply(w)) / wsum + penalty * beta;
            var s = p.PointwiseMultiply(1 - p).PointwiseMultiply(w);
            hessian = design.TransposeThisAndMultiply(ScaleRows(design, s)) / wsum + penalty;
            var step = hessian.Solve(gradient);
            beta -= step;
            if (gradient.L2Norm() < 1e-13) break;
        }
        return (beta, (hessian * wsum).Inverse());
    }

    private static Matrix<double> ScaleRows(Matrix<double> m, Vector<double> s)
        => Matrix<double>.Build.Dense(m.RowCount, m.ColumnCount, (i, j) => m[i, j] * s[i]);

    /// <summary>The objective at float coefficients (bias first), in double.</summary>
    public static double Objective(float[][] x, float[] y, double lambda, IReadOnlyList<float> weights, float bias)
    {
        double loss = 0, penalty = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double z = bias;
            for (int j = 0; j < weights.Count; j++) z += weights[j] * (double)x[i][j];
            loss += Math.Log(1 + Math.Exp(z)) - y[i] * z;
        }
        foreach (var w in weights) penalty += (double)w * w;
        return loss / x.Length + 0.5 * lambda * penalty;
    }

    public static IDataView View(MLContext ml, (float[][] X, float[] Y) data, float[]? weights = null)
        => TestData.FromRows(ml, data.X, data.Y, weights);

    /// <summary>The rows with a Boolean label, as ML.NET's own binary trainers need it.</summary>
    public static IDataView BooleanView(MLContext ml, float[][] x, float[] y)
        => ml.Transforms.Conversion.ConvertType("Label", outputKind: Microsoft.ML.Data.DataKind.Boolean).Fit(TestData.FromRows(ml, x, y))
            .Transform(TestData.FromRows(ml, x, y));
}
