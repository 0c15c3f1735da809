using System.Globalization;

namespace MlNetExtensions.Data;

/// <summary>
/// The bytes a fit may allocate for anything that grows with n·d (rows held in memory) or d² (Hessians, normal equations,
/// their factors), checked before the allocation (see <see cref="TrainerOptions.MemoryBudgetBytes"/>). Over it, a path that
/// fits is taken where one exists; otherwise <see cref="Require"/> throws a clear exception instead of the runtime's
/// <see cref="OutOfMemoryException"/>.
/// </summary>
internal readonly record struct MemoryBudget(long Bytes)
{
    /// <summary>Half of the memory available to the process (the GC's view: physical memory or the container's limit).</summary>
    public static MemoryBudget Default => new(Math.Max(1L << 28, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2));

    public static MemoryBudget For(TrainerOptions options) => For(options.MemoryBudgetBytes);

    /// <summary>The budget of a <see cref="TrainerOptions.MemoryBudgetBytes"/> value (null: <see cref="Default"/>).</summary>
    public static MemoryBudget For(long? memoryBudgetBytes) => memoryBudgetBytes is { } bytes ? new(bytes) : Default;

    public bool Allows(double bytes) => bytes <= Bytes;

    /// <summary>Throws <see cref="InvalidOperationException"/> when <paramref name="bytes"/> exceed the budget.</summary>
    /// <param name="bytes">What the allocation needs.</param>
    /// <param name="what">What needs it, naming the sizes (e.g. "The Newton Hessian at d = 157,000 features").</param>
    /// <param name="remedy">The option that avoids it (e.g. "Use Optimizer = Lbfgs").</param>
    public void Require(double bytes, string what, string remedy)
    {
        if (Allows(bytes)) return;
        throw new InvalidOperationException(
            $"{what} needs {Describe(bytes)}, more than the memory budget of {Describe(Bytes)}. {remedy}, or raise " +
            $"{nameof(TrainerOptions.MemoryBudgetBytes)} (default: half of the memory available to the process).");
    }

    /// <summary>"1,234,567,890 bytes (1.15 GiB)".</summary>
    public static string Describe(double bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return string.Format(CultureInfo.InvariantCulture, "{0:N0} bytes ({1:0.##} {2})", bytes, value, units[unit]);
    }

    /// <summary>Bytes of a dense m × m matrix of doubles.</summary>
    public static double SquareMatrixBytes(long m) => (double)m * m * sizeof(double);
}
