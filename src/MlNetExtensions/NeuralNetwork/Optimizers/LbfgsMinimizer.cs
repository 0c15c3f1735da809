namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>What one L-BFGS iteration achieved.</summary>
internal enum LbfgsOutcome
{
    /// <summary>The loss went down; go on.</summary>
    Progress,
    /// <summary>No gradient component exceeds the tolerance.</summary>
    Converged,
    /// <summary>The line search found no lower loss along the direction (the loss is flat to Single precision there).</summary>
    NoProgress,
}

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, <i>Numerical Optimization</i>, 2nd ed., Algorithms 7.4 and 7.5) on the
/// network's Single parameter vector: the last <c>historySize</c> steps s and gradient changes y are kept in Single (the
/// memory is 2·m·P floats), every inner product is accumulated in Double, and the step length comes from a line search
/// that enforces the strong Wolfe conditions (Algorithms 3.5 and 3.6, c₁ = 1e-4, c₂ = 0.9, cubic interpolation kept
/// inside the bracket), so accepted steps lower the loss and keep the curvature estimate positive definite.
/// </summary>
/// <remarks>
/// The loss is a sum of Single-precision terms, so near the optimum its changes sink below its rounding (about 1e-7
/// relative) while the gradient is still informative. Where the sufficient-decrease test can no longer tell, a step is
/// also accepted under Hager and Zhang's approximate Wolfe conditions (SIAM J. Optim. 16, 2005): the loss no higher than
/// f₀ + 1e-6·|f₀| and the slope σφ′(0) ≤ φ′(α) ≤ (2δ − 1)φ′(0) with δ = 0.1, σ = c₂; so L-BFGS keeps converging on
/// the gradient instead of stopping at the loss's noise floor.
/// </remarks>
internal sealed class LbfgsMinimizer
{
    /// <summary>Evaluates the loss at <paramref name="parameters"/> and writes its gradient.</summary>
    public delegate double Objective(float[] parameters, float[] gradient);

    private const double C1 = 1e-4, C2 = 0.9, Delta = 0.1, RelativeNoise = 1e-6;
    private const int MaximumEvaluationsPerIteration = 25;

    private readonly int _history;
    private readonly float[][] _s, _y;
    private readonly double[] _rho, _alpha, _work;
    private readonly float[] _direction, _trial, _trialGradient;
    private int _count, _newest = -1;

    public LbfgsMinimizer(int parameterCount, int historySize = 10)
    {
        _history = historySize;
        _s = new float[historySize][];
        _y = new float[historySize][];
        for (int i = 0; i < historySize; i++)
        {
            _s[i] = new float[parameterCount];
            _y[i] = new float[parameterCount];
        }
        _rho = new double[historySize];
        _alpha = new double[historySize];
        _work = new double[parameterCount];
        _direction = new float[parameterCount];
        _trial = new float[parameterCount];
        _trialGradient = new float[parameterCount];
    }

    /// <summary>What a minimiser for <paramref name="parameterCount"/> parameters allocates (history, work vectors).</summary>
    public static double BytesFor(int parameterCount, int historySize = 10)
        => (double)parameterCount * (2 * historySize * sizeof(float) + sizeof(double) + 3 * sizeof(float));

    public static double MaxAbs(ReadOnlySpan<float> values)
    {
        double max = 0;
        foreach (float v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    /// <summary>
    /// One iteration from <paramref name="x"/>, whose loss <paramref name="f"/> and gradient <paramref name="g"/> are
    /// current; on <see cref="LbfgsOutcome.Progress"/> or <see cref="LbfgsOutcome.Converged"/> all three hold the new point.
    /// </summary>
    public LbfgsOutcome Iterate(float[] x, ref double f, float[] g, Objective objective, double gradientTolerance)
    {
        if (MaxAbs(g) <= gradientTolerance) return LbfgsOutcome.Converged;
        double slope = Direction(g);
        if (!(slope < 0))
        {
            // Rounding can leave the quasi-Newton direction not downhill: forget the history and go down the gradient.
            _count = 0;
            slope = Direction(g);
            if (!(slope < 0)) return LbfgsOutcome.NoProgress;
        }
        // No history yet: a first step of unit length (as L-BFGS-B); afterwards the quasi-Newton step itself.
        double initial = _count == 0 ? 1 / Math.Sqrt(-slope) : 1;
        if (!LineSearch(x, f, slope, initial, objective, out double step, out double fNew))
            return LbfgsOutcome.NoProgress;

        // Accept: s = x_new − x and y = g_new − g in Single, as the parameters themselves are.
        int slot = (_newest + 1) % _history;
        var s = _s[slot];
        var y = _y[slot];
        double sy = 0, yy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s[i] = _trial[i] - x[i];
            y[i] = _trialGradient[i] - g[i];
            sy += (double)s[i] * y[i];
            yy += (double)y[i] * y[i];
        }
        if (sy > 1e-10 * yy && sy > 0)
        {
            _rho[slot] = 1 / sy;
            _newest = slot;
            _count = Math.Min(_count + 1, _history);
        }
        _trial.CopyTo(x, 0);
        _trialGradient.CopyTo(g, 0);
        f = fNew;
        return MaxAbs(g) <= gradientTolerance ? LbfgsOutcome.Converged : LbfgsOutcome.Progress;
    }

    /// <summary>The two-loop recursion: writes d = −H·g into the direction buffer and returns gᵀd.</summary>
    private double Direction(float[] g)
    {
        var q = _work;
        for (int i = 0; i < q.Length; i++) q[i] = g[i];
        for (int j = 0; j < _count; j++)
        {
            int k = (_newest - j + _history) % _history;
            double a = _rho[k] * Dot(_s[k], q);
            _alpha[k] = a;
            AddScaled(q, _y[k], -a);
        }
        if (_count > 0)
        {
            int k = _newest;
            double gamma = 1 / (_rho[k] * Dot(_y[k], _y[k]));
            for (int i = 0; i < q.Length; i++) q[i] *= gamma;
        }
        for (int j = _count - 1; j >= 0; j--)
        {
            int k = (_newest - j + _history) % _history;
            double b = _rho[k] * Dot(_y[k], q);
            AddScaled(q, _s[k], _alpha[k] - b);
        }
        double slope = 0;
        for (int i = 0; i < q.Length; i++)
        {
            _direction[i] = (float)-q[i];
            slope += (double)g[i] * _direction[i];
        }
        return slope;
    }

    /// <summary>
    /// Strong-Wolfe line search along the direction; on success the trial buffers hold the accepted point and its
    /// gradient. Fails when no step in its budget lowers the loss enough.
    /// </summary>
    private bool LineSearch(float[] x, double f0, double slope0, double initial, Objective objective, out double step, out double fStep)
    {
        double previous = 0, fPrevious = f0, slopePrevious = slope0;
        double alpha = initial;
        for (int evaluation = 1; evaluation <= MaximumEvaluationsPerIteration; evaluation++)
        {
            double fAlpha = Evaluate(x, alpha, objective, out double slopeAlpha);
            if (ApproximatelyWolfe(f0, slope0, fAlpha, slopeAlpha))
            {
                (step, fStep) = (alpha, fAlpha);
                return true;
            }
            if (!double.IsFinite(fAlpha) || fAlpha > f0 + C1 * alpha * slope0 || (evaluation > 1 && fAlpha >= fPrevious))
                return Zoom(x, f0, slope0, previous, fPrevious, slopePrevious, alpha, fAlpha, slopeAlpha, objective,
                    MaximumEvaluationsPerIteration - evaluation, out step, out fStep);
            if (Math.Abs(slopeAlpha) <= -C2 * slope0)
            {
                (step, fStep) = (alpha, fAlpha);
                return true;
            }
            if (slopeAlpha >= 0)
                return Zoom(x, f0, slope0, alpha, fAlpha, slopeAlpha, previous, fPrevious, slopePrevious, objective,
                    MaximumEvaluationsPerIteration - evaluation, out step, out fStep);
            (previous, fPrevious, slopePrevious) = (alpha, fAlpha, slopeAlpha);
            alpha *= 2;
        }
        return AcceptBest(x, f0, slope0, previous, fPrevious, objective, out step, out fStep);
    }

    private bool Zoom(float[] x, double f0, double slope0, double lo, double fLo, double slopeLo, double hi, double fHi, double slopeHi,
        Objective objective, int budget, out double step, out double fStep)
    {
        for (int evaluation = 0; evaluation < budget; evaluation++)
        {
            double alpha = Interpolate(lo, fLo, slopeLo, hi, fHi, slopeHi);
            if (alpha == lo || alpha == hi) break; // the bracket has shrunk below Double resolution
            double fAlpha = Evaluate(x, alpha, objective, out double slopeAlpha);
            if (ApproximatelyWolfe(f0, slope0, fAlpha, slopeAlpha))
            {
                (step, fStep) = (alpha, fAlpha);
                return true;
            }
            if (!double.IsFinite(fAlpha) || fAlpha > f0 + C1 * alpha * slope0 || fAlpha >= fLo)
                (hi, fHi, slopeHi) = (alpha, fAlpha, slopeAlpha);
            else
            {
                if (Math.Abs(slopeAlpha) <= -C2 * slope0)
                {
                    (step, fStep) = (alpha, fAlpha);
                    return true;
                }
                if (slopeAlpha * (hi - lo) >= 0) (hi, fHi, slopeHi) = (lo, fLo, slopeLo);
                (lo, fLo, slopeLo) = (alpha, fAlpha, slopeAlpha);
            }
        }
        return AcceptBest(x, f0, slope0, lo, fLo, objective, out step, out fStep);
    }

    /// <summary>Out of budget: keep the bracket's low end if it satisfies sufficient decrease (re-evaluated into the trial buffers).</summary>
    private bool AcceptBest(float[] x, double f0, double slope0, double alpha, double fAlpha, Objective objective, out double step, out double fStep)
    {
        (step, fStep) = (alpha, fAlpha);
        if (!(alpha > 0 && fAlpha < f0 && fAlpha <= f0 + C1 * alpha * slope0)) return false;
        fStep = Evaluate(x, alpha, objective, out _);
        return fStep < f0;
    }

    /// <summary>Hager and Zhang's approximate Wolfe conditions, for steps whose loss change is below the loss's rounding.</summary>
    private static bool ApproximatelyWolfe(double f0, double slope0, double f, double slope)
        => double.IsFinite(f) && f <= f0 + RelativeNoise * Math.Abs(f0) && slope >= C2 * slope0 && slope <= (2 * Delta - 1) * slope0;

    /// <summary>The minimiser of the cubic through both ends' values and slopes, kept in the middle 80% of the bracket.</summary>
    private static double Interpolate(double a, double fa, double ga, double b, double fb, double gb)
    {
        double d1 = ga + gb - 3 * (fa - fb) / (a - b);
        double disc = d1 * d1 - ga * gb;
        double lo = Math.Min(a, b), hi = Math.Max(a, b), margin = 0.1 * (hi - lo);
        double t = double.NaN;
        if (disc >= 0)
        {
            double d2 = Math.Sign(b - a) * Math.Sqrt(disc);
            t = b - (b - a) * (gb + d2 - d1) / (gb - ga + 2 * d2);
        }
        return double.IsFinite(t) && t >= lo + margin && t <= hi - margin ? t : (a + b) / 2;
    }

    /// <summary>φ(α) = f(x + α·d) into the trial buffers; also returns φ′(α) = ∇f(x + α·d)ᵀd.</summary>
    private double Evaluate(float[] x, double alpha, Objective objective, out double slope)
    {
        float a = (float)alpha;
        for (int i = 0; i < x.Length; i++) _trial[i] = x[i] + a * _direction[i];
        double value = objective(_trial, _trialGradient);
        slope = 0;
        for (int i = 0; i < x.Length; i++) slope += (double)_trialGradient[i] * _direction[i];
        return value;
    }

    private static double Dot(float[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    private static void AddScaled(double[] target, float[] source, double factor)
    {
        for (int i = 0; i < target.Length; i++) target[i] += factor * source[i];
    }
}
