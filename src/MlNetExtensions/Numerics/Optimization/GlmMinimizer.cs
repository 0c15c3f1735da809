using System.Runtime.CompilerServices;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML.Runtime;
using MlNetExtensions.Interop;

namespace MlNetExtensions.Numerics.Optimization;

/// <summary>
/// The minimisers of a GLM objective (<see cref="IGlmObjective"/>): damped Newton, L-BFGS (OWL-QN when an L1 penalty is
/// set), and full-batch or mini-batch gradient descent, all in one iteration loop that stops when ‖∇f‖₂ (with L1, the
/// pseudo-gradient's norm) ≤ tolerance, at the iteration cap, on cancellation, when no step makes progress, or when the
/// model's <see cref="IStoppingRule"/> says the objective has no finite minimiser. The optimizers differ only in their step.
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
            MinimizerKind.Lbfgs when settings.L1 > 0 => OwlQn(objective, start, settings, env, ch, rule),
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
        var line = new LineSearchBuffers(m);
        var memory = new LbfgsMemory(m, settings.HistorySize);
        var direction = new double[m];
        var previousX = new double[m];
        var previousG = new double[m];
        return Iterate(objective, start, settings, env, ch, rule, "L-BFGS", (p, norm) =>
        {
            double initialStep = memory.Direction(p.G, direction) ? 1 : Math.Min(1, 1 / norm);
            double slope = Dot(p.G, direction);
            if (!(slope < 0))
            {
                memory.Clear();
                for (int k = 0; k < m; k++) direction[k] = -p.G[k];
                slope = -norm * norm;
                initialStep = Math.Min(1, 1 / norm);
            }
            p.X.CopyTo(previousX, 0);
            p.G.CopyTo(previousG, 0);
            if (!line.Step(objective, p, slope, direction, initialStep)) return false;
            memory.Add(p.X, previousX, p.G, previousG);
            return true;
        });
    }

    /// <summary>
    /// OWL-QN (Andrew and Gao, 2007), L-BFGS for f(θ) + λ₁‖θ‖₁ (the bias unpenalised), as ML.NET's L-BFGS trainers use for
    /// L1: the direction is the L-BFGS estimate at the pseudo-gradient, with components that disagree in sign with it
    /// zeroed; each trial point is projected onto the orthant of the current point (coordinates that would cross zero
    /// stop at zero, which is how weights become exactly 0); the curvature pairs come from the smooth part's gradients.
    /// </summary>
    private static OptimizationResult OwlQn(IGlmObjective objective, double[] start, MinimizerSettings settings,
        IHostEnvironment env, IChannel ch, IStoppingRule? rule)
    {
        int m = objective.Dimension, d = objective.FeatureCount;
        double l1 = settings.L1;
        var memory = new LbfgsMemory(m, settings.HistorySize);
        var pseudo = new double[m];
        var direction = new double[m];
        var trial = new double[m];
        var trialGradient = new double[m];
        var orthant = new double[m];
        var previousX = new double[m];
        var previousG = new double[m];
        return Iterate(objective, start, settings, env, ch, rule, "OWL-QN", (p, norm) =>
        {
            PseudoGradient(p.X, p.G, d, l1, pseudo);
            double initialStep = memory.Direction(pseudo, direction) ? 1 : Math.Min(1, 1 / norm);
            for (int k = 0; k < d; k++)
                if (direction[k] * pseudo[k] >= 0) direction[k] = 0;
            if (!(Dot(pseudo, direction) < 0))
            {
                memory.Clear();
                for (int k = 0; k < m; k++) direction[k] = -pseudo[k];
                initialStep = Math.Min(1, 1 / norm);
            }
            for (int k = 0; k < m; k++) orthant[k] = k < d && p.X[k] == 0 ? -Math.Sign(pseudo[k]) : Math.Sign(p.X[k]);
            double t = initialStep, fNew = double.NaN;
            bool accepted = false;
            for (int halving = 0; halving < MaximumHalvings && !accepted; halving++, t *= 0.5)
            {
                double decrease = 0;
                for (int k = 0; k < m; k++)
                {
                    double v = p.X[k] + t * direction[k];
                    if (k < d && Math.Sign(v) != orthant[k]) v = 0;
                    trial[k] = v;
                    decrease += pseudo[k] * (v - p.X[k]);
                }
                fNew = objective.Evaluate(trial, trialGradient) + L1Norm(trial, d, l1);
                accepted = double.IsFinite(fNew) && fNew <= p.F + ArmijoConstant * decrease && fNew < p.F;
            }
            if (!accepted) return false;
            p.X.CopyTo(previousX, 0);
            p.G.CopyTo(previousG, 0);
            (p.X, trial) = (trial, p.X);
            (p.G, trialGradient) = (trialGradient, p.G);
            p.F = fNew;
            p.Margin = objective.LastMinMargin;
            memory.Add(p.X, previousX, p.G, previousG);
            return true;
        });
    }

    /// <summary>
    /// The pseudo-gradient of f + λ₁‖θ‖₁ (the bias, index <paramref name="d"/>, unpenalised): the one-sided derivative that
    /// points downhill, and 0 where a zero weight is held in place by the penalty (|∂f/∂θₖ| ≤ λ₁).
    /// </summary>
    internal static void PseudoGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> g, int d, double l1, Span<double> pseudo)
    {
        for (int k = 0; k < x.Length; k++)
        {
            if (k >= d) pseudo[k] = g[k];
            else if (x[k] > 0) pseudo[k] = g[k] + l1;
            else if (x[k] < 0) pseudo[k] = g[k] - l1;
            else if (g[k] + l1 < 0) pseudo[k] = g[k] + l1;
            else if (g[k] - l1 > 0) pseudo[k] = g[k] - l1;
            else pseudo[k] = 0;
        }
    }

    /// <summary>λ₁·Σ|θₖ| over the first <paramref name="d"/> parameters.</summary>
    internal static double L1Norm(ReadOnlySpan<double> x, int d, double l1)
    {
        if (l1 == 0) return 0;
        double sum = 0;
        for (int k = 0; k < d; k++) sum += Math.Abs(x[k]);
        return l1 * sum;
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
        int d = objective.FeatureCount;
        p.F = objective.Evaluate(p.X, p.G) + L1Norm(p.X, d, settings.L1);
        p.Margin = objective.LastMinMargin;
        var history = new List<double> { p.F };
        var pseudo = settings.L1 > 0 ? new double[objective.Dimension] : null;
        double Stationarity()
        {
            if (pseudo is null) return Norm(p.G);
            PseudoGradient(p.X, p.G, d, settings.L1, pseudo);
            return Norm(pseudo);
        }
        int it = 0;
        StopReason reason = StopReason.IterationLimit;
        for (; ; it++)
        {
            double norm = Stationarity();
            Trace(ch, name, it, p.F, norm);
            if (norm <= settings.GradientTolerance) { reason = StopReason.Converged; break; }
            if (rule is not null && rule.ShouldStop(it, p.F, p.X, p.Margin)) { reason = StopReason.NoFiniteOptimum; break; }
            if (it >= settings.MaximumIterations) break;
            MlNetInternals.ThrowIfCanceled(env);
            if (!step(p, norm)) { reason = StopReason.NoProgress; break; }
            history.Add(p.F);
        }
        return new OptimizationResult(p.X, p.F, Stationarity(), it, reason, history);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>The last correction pairs (s, y) of L-BFGS and its two-loop recursion, in fixed buffers.</summary>
    private sealed class LbfgsMemory(int dimension, int capacity)
    {
        private readonly List<double[]> _s = [];
        private readonly List<double[]> _y = [];
        private readonly List<double> _rho = [];
        private readonly double[] _alpha = new double[capacity];
        private readonly double[] _sNew = new double[dimension];
        private readonly double[] _yNew = new double[dimension];

        public void Clear()
        {
            _s.Clear();
            _y.Clear();
            _rho.Clear();
        }

        /// <summary>direction = −H·g with H the inverse-Hessian estimate; false when there are no pairs yet (H = I).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Direction(ReadOnlySpan<double> g, double[] direction)
        {
            for (int k = 0; k < dimension; k++) direction[k] = -g[k];
            for (int i = _s.Count - 1; i >= 0; i--)
            {
                _alpha[i] = _rho[i] * Dot(_s[i], direction);
                Axpy(direction, -_alpha[i], _y[i]);
            }
            if (_s.Count == 0) return false;
            var (sl, yl) = (_s[^1], _y[^1]);
            double gamma = Dot(sl, yl) / Dot(yl, yl);
            for (int k = 0; k < dimension; k++) direction[k] *= gamma;
            for (int i = 0; i < _s.Count; i++)
            {
                double beta = _rho[i] * Dot(_y[i], direction);
                Axpy(direction, _alpha[i] - beta, _s[i]);
            }
            return true;
        }

        /// <summary>Adds the pair s = x − x₀, y = g − g₀ when its curvature sᵀy survives rounding (the objective is convex, so sᵀy ≥ 0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(double[] x, double[] previousX, double[] g, double[] previousG)
        {
            for (int k = 0; k < dimension; k++)
            {
                _sNew[k] = x[k] - previousX[k];
                _yNew[k] = g[k] - previousG[k];
            }
            double sy = Dot(_sNew, _yNew);
            if (!(sy > 1e-16 * Dot(_yNew, _yNew))) return;
            double[] s, y;
            if (_s.Count == capacity)
            {
                (s, y) = (_s[0], _y[0]);
                _s.RemoveAt(0); _y.RemoveAt(0); _rho.RemoveAt(0);
            }
            else
            {
                (s, y) = (new double[dimension], new double[dimension]);
            }
            _sNew.CopyTo(s, 0);
            _yNew.CopyTo(y, 0);
            _s.Add(s);
            _y.Add(y);
            _rho.Add(1 / sy);
        }
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++) sum += a[k] * b[k];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy(double[] target, double a, double[] x)
    {
        for (int k = 0; k < target.Length; k++) target[k] += a * x[k];
    }
}
