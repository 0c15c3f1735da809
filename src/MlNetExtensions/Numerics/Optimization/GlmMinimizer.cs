using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML.Runtime;
using MlNetExtensions.Interop;

namespace MlNetExtensions.Numerics.Optimization;

/// <summary>
/// The minimisers of a GLM objective (<see cref="IGlmObjective"/>): damped Newton, L-BFGS, and full-batch or mini-batch
/// gradient descent, all in one iteration loop that stops when ‖∇f‖₂ ≤ tolerance, at the iteration cap, on cancellation,
/// when no step makes progress, or when the model's <see cref="IStoppingRule"/> says the objective has no finite minimiser.
/// The optimizers differ only in their step.
/// </summary>
internal static class GlmMinimizer
{
    private const double ArmijoConstant = 1e-4;
    private const int MaximumHalvings = 60;

    public static OptimizationResult Minimize(MinimizerKind kind, IGlmObjective objective, double[] start,
        MinimizerSettings settings, IHostEnvironment env, IChannel ch, IStoppingRule? rule = null)
        => kind switch
        {
            MinimizerKind.Newton => Newton(objective, start, settings, env, ch, rule),
            MinimizerKind.Lbfgs => Lbfgs(objective, start, settings, env, ch, rule),
            MinimizerKind.GradientDescent => settings.BatchSize is null
                ? GradientDescent(objective, start, settings, env, ch, rule)
                : MiniBatchGradientDescent(objective, start, settings, env, ch, rule),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown minimiser."),
        };

    /// <summary>Damped Newton (IRLS): exact Hessian, Cholesky solve, backtracking on the objective.</summary>
    private static OptimizationResult Newton(IGlmObjective objective, double[] start, MinimizerSettings settings,
        IHostEnvironment env, IChannel ch, IStoppingRule? rule)
    {
        var line = new LineSearchBuffers(objective.Dimension);
        return Iterate(objective, start, settings, env, ch, rule, "Newton", (p, norm) =>
        {
            var hessian = objective.Hessian(p.X) / objective.WeightSum;
            var step = SolvePositiveDefinite(hessian, Vector<double>.Build.DenseOfArray(p.G).Negate()).ToArray();
            double slope = Dot(p.G, step);
            if (!(slope < 0))
            {
                // The regularised solve still failed to give a descent direction: fall back to steepest descent.
                for (int k = 0; k < step.Length; k++) step[k] = -p.G[k];
                slope = -norm * norm;
            }
            return line.Step(objective, p, slope, step, 1.0);
        });
    }

    /// <summary>Limited-memory BFGS: two-loop recursion over the last pairs (s, y), backtracking line search.</summary>
    private static OptimizationResult Lbfgs(IGlmObjective objective, double[] start, MinimizerSettings settings,
        IHostEnvironment env, IChannel ch, IStoppingRule? rule)
    {
        int m = objective.Dimension;
        int memory = settings.HistorySize;
        var line = new LineSearchBuffers(m);
        var direction = new double[m];
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        var alpha = new double[memory];
        return Iterate(objective, start, settings, env, ch, rule, "L-BFGS", (p, norm) =>
        {
            // Two-loop recursion: direction = −H·g with H the L-BFGS inverse-Hessian estimate.
            for (int k = 0; k < m; k++) direction[k] = -p.G[k];
            for (int i = s.Count - 1; i >= 0; i--)
            {
                alpha[i] = rho[i] * Dot(s[i], direction);
                Axpy(direction, -alpha[i], y[i]);
            }
            double initialStep = 1;
            if (s.Count > 0)
            {
                var (sl, yl) = (s[^1], y[^1]);
                double gamma = Dot(sl, yl) / Dot(yl, yl);
                for (int k = 0; k < m; k++) direction[k] *= gamma;
            }
            else
            {
                initialStep = Math.Min(1, 1 / norm);
            }
            for (int i = 0; i < s.Count; i++)
            {
                double beta = rho[i] * Dot(y[i], direction);
                Axpy(direction, alpha[i] - beta, s[i]);
            }
            double slope = Dot(p.G, direction);
            if (!(slope < 0))
            {
                s.Clear(); y.Clear(); rho.Clear();
                for (int k = 0; k < m; k++) direction[k] = -p.G[k];
                slope = -norm * norm;
                initialStep = Math.Min(1, 1 / norm);
            }
            var previousX = (double[])p.X.Clone();
            var previousG = (double[])p.G.Clone();
            if (!line.Step(objective, p, slope, direction, initialStep)) return false;
            var sNew = new double[m];
            var yNew = new double[m];
            for (int k = 0; k < m; k++)
            {
                sNew[k] = p.X[k] - previousX[k];
                yNew[k] = p.G[k] - previousG[k];
            }
            double sy = Dot(sNew, yNew);
            // The objective is convex, so sᵀy ≥ 0; skip pairs whose curvature is lost in rounding.
            if (sy > 1e-16 * Dot(yNew, yNew))
            {
                if (s.Count == memory) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
                s.Add(sNew);
                y.Add(yNew);
                rho.Add(1 / sy);
            }
            return true;
        });
    }

    /// <summary>Full-batch gradient descent with a constant step: θ ← θ − α∇f.</summary>
    private static OptimizationResult GradientDescent(IGlmObjective objective, double[] start, MinimizerSettings settings,
        IHostEnvironment env, IChannel ch, IStoppingRule? rule)
    {
        double rate = settings.LearningRate ?? 1 / objective.CurvatureBound();
        ch.Info(MessageSensitivity.None, settings.LearningRate is null
            ? $"Gradient descent: learning rate 1/L = {rate:G4} (L bounds the curvature of the objective)."
            : $"Gradient descent: learning rate {rate:G4}.");
        return Iterate(objective, start, settings, env, ch, rule, "Gradient descent", Descent(objective, rate, p => Axpy(p.X, -rate, p.G)));
    }

    /// <summary>
    /// Mini-batch gradient descent: one iteration is an epoch over contiguous batches of the (already shuffled) rows in
    /// a fresh random order; the full objective and gradient are evaluated after each epoch for the stopping test.
    /// </summary>
    private static OptimizationResult MiniBatchGradientDescent(IGlmObjective objective, double[] start,
        MinimizerSettings settings, IHostEnvironment env, IChannel ch, IStoppingRule? rule)
    {
        int batch = settings.BatchSize!.Value;
        int batches = (objective.Count + batch - 1) / batch;
        double rate = settings.LearningRate ?? 1 / objective.CurvatureBound();
        ch.Info(MessageSensitivity.None, $"Mini-batch gradient descent: {batches} batches of up to {batch} rows, learning rate {rate:G4}.");
        var random = new Random(settings.Seed);
        var order = Enumerable.Range(0, batches).ToArray();
        var batchGradient = new double[objective.Dimension];
        return Iterate(objective, start, settings, env, ch, rule, "Mini-batch gradient descent (epoch)", Descent(objective, rate, p =>
        {
            var x = p.X;
            random.Shuffle(order);
            foreach (int b in order)
            {
                int from = b * batch, rows = Math.Min(batch, objective.Count - from);
                double weightSum = settings.BatchWeightSums![b];
                if (!(weightSum > 0)) continue;
                objective.EvaluateRows(x, batchGradient, from, rows, weightSum);
                Axpy(x, -rate, batchGradient);
            }
        }));
    }

    /// <summary>A gradient-descent iteration: <paramref name="move"/> the point, then the full objective at the new point,
    /// stopping with advice if it grows past where it started.</summary>
    private static Func<Point, double, bool> Descent(IGlmObjective objective, double rate, Action<Point> move)
    {
        double? initial = null;
        int iteration = 0;
        return (p, _) =>
        {
            initial ??= p.F;
            move(p);
            p.F = objective.Evaluate(p.X, p.G);
            p.Margin = objective.LastMinMargin;
            CheckNotDiverging(p.F, initial.Value, rate, ++iteration);
            return true;
        };
    }

    /// <summary>The current parameters, the gradient and objective there, and the smallest signed margin of any row.</summary>
    private sealed class Point(double[] x, double[] g)
    {
        public double[] X = x;
        public double[] G = g;
        public double F;
        public double Margin;
    }

    /// <summary>
    /// The loop every optimizer shares: the stopping tests (gradient norm, the model's stopping rule, iteration cap, cancellation), then
    /// one <paramref name="step"/>, which moves the point given ‖∇f‖ and returns false when it can make no progress, then
    /// the history. The optimizers differ only in their step.
    /// </summary>
    private static OptimizationResult Iterate(IGlmObjective objective, double[] start, MinimizerSettings settings,
        IHostEnvironment env, IChannel ch, IStoppingRule? rule, string name, Func<Point, double, bool> step)
    {
        var p = new Point((double[])start.Clone(), new double[objective.Dimension]);
        p.F = objective.Evaluate(p.X, p.G);
        p.Margin = objective.LastMinMargin;
        var history = new List<double> { p.F };
        int it = 0;
        StopReason reason = StopReason.IterationLimit;
        for (; ; it++)
        {
            double norm = Norm(p.G);
            Trace(ch, name, it, p.F, norm);
            if (norm <= settings.GradientTolerance) { reason = StopReason.Converged; break; }
            if (rule is not null && rule.ShouldStop(it, p.F, p.X, p.Margin)) { reason = StopReason.NoFiniteOptimum; break; }
            if (it >= settings.MaximumIterations) break;
            MlNetInternals.ThrowIfCanceled(env);
            if (!step(p, norm)) { reason = StopReason.NoProgress; break; }
            history.Add(p.F);
        }
        return new OptimizationResult(p.X, p.F, Norm(p.G), it, reason, history);
    }

    /// <summary>The trial point of a backtracking line search, swapped with the current point when accepted.</summary>
    private sealed class LineSearchBuffers(int dimension)
    {
        /// <summary>Steps in a row that leave f unchanged (its rounding floor) without a new smallest gradient norm, before giving up.</summary>
        private const int MaximumStalledSteps = 10;

        private double[] _trial = new double[dimension];
        private double[] _trialGradient = new double[dimension];
        private double _smallestGradientNorm = double.PositiveInfinity;
        private int _stalled;

        /// <summary>
        /// Moves <paramref name="p"/> along <paramref name="direction"/> by <see cref="LineSearch"/>; false when no step
        /// satisfies it, or when f has sat at its rounding floor for <see cref="MaximumStalledSteps"/> steps in a row without
        /// the gradient norm reaching a new low (the tolerance is below what rounding allows: stepping on would only spin).
        /// </summary>
        public bool Step(IGlmObjective objective, Point p, double slope, double[] direction, double initialStep)
        {
            if (!LineSearch(objective, p.X, p.F, slope, direction, initialStep, _trial, _trialGradient, out double fNew)) return false;
            double norm = Norm(_trialGradient);
            if (fNew < p.F || norm < _smallestGradientNorm) _stalled = 0;
            else if (++_stalled >= MaximumStalledSteps) return false;
            _smallestGradientNorm = Math.Min(_smallestGradientNorm, norm);
            (p.X, _trial) = (_trial, p.X);
            (p.G, _trialGradient) = (_trialGradient, p.G);
            p.F = fNew;
            p.Margin = objective.LastMinMargin;
            return true;
        }
    }

    /// <summary>
    /// Backtracking (Armijo) from <paramref name="initialStep"/>: halves the step until f(x + t·d) ≤ f(x) + c·t·∇fᵀd.
    /// On success <paramref name="trial"/> and <paramref name="trialGradient"/> hold the accepted point.
    /// </summary>
    private static bool LineSearch(IGlmObjective objective, double[] x, double f, double slope, double[] direction,
        double initialStep, double[] trial, double[] trialGradient, out double fNew)
    {
        double t = initialStep;
        for (int halving = 0; halving < MaximumHalvings; halving++, t *= 0.5)
        {
            for (int k = 0; k < x.Length; k++) trial[k] = x[k] + t * direction[k];
            fNew = objective.Evaluate(trial, trialGradient);
            if (double.IsFinite(fNew) && fNew <= f + ArmijoConstant * t * slope) return true;
        }
        fNew = f;
        return false;
    }

    private static Vector<double> SolvePositiveDefinite(Matrix<double> hessian, Vector<double> rhs)
    {
        // Without L2 the Hessian is singular on collinear features (and nearly so near separation): add the smallest
        // ridge, growing tenfold, that lets the factorisation through; a damped Newton step is still a descent direction.
        double scale = 0;
        for (int i = 0; i < hessian.RowCount; i++) scale = Math.Max(scale, hessian[i, i]);
        double damping = 0;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var h = damping == 0 ? hessian : hessian + Matrix<double>.Build.DenseIdentity(hessian.RowCount) * damping;
            var step = ScaledCholesky.TryFactor(h, out _, reciprocalConditionLimit: 0)?.Solve(rhs);
            if (step is not null && step.All(double.IsFinite)) return step;
            damping = damping == 0 ? Math.Max(scale, 1e-300) * 1e-12 : damping * 10;
        }
        return rhs.Clone();
    }

    private static void CheckNotDiverging(double f, double f0, double rate, int iteration)
    {
        if (!double.IsFinite(f) || f > 10 * f0 + 10)
            throw new InvalidOperationException(
                $"Gradient descent diverged at iteration {iteration} (objective {f:G4}, started at {f0:G4}) with LearningRate {rate:G4}; " +
                "use a smaller LearningRate, or leave it unset to use 1/L, a step that always descends.");
    }

    private static void Trace(IChannel ch, string optimizer, int iteration, double objective, double gradientNorm)
        => ch.Trace(MessageSensitivity.None, $"{optimizer} iteration {iteration}: objective {objective:G12}, gradient norm {gradientNorm:G4}");

    private static double Norm(double[] v) => Math.Sqrt(Dot(v, v));

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++) sum += a[k] * b[k];
        return sum;
    }

    private static void Axpy(double[] target, double a, double[] x)
    {
        for (int k = 0; k < target.Length; k++) target[k] += a * x[k];
    }
}
