using System.Globalization;
using System.Diagnostics;

namespace MlNetExtensions.Tests.Support;

/// <summary>
/// Runs a loader program (a separate process that does not reference MlNetExtensions: MlNetExtensions.ModelLoader, or
/// MlNetExtensions.OnnxModelLoader for the MLP's zips) on a saved model and a CSV, and returns what it printed: a header
/// line, then one tab-separated line per row (Single values as their bits in hex, vectors as comma-separated bits).
/// </summary>
public static class ModelLoaderProcess
{
    public static string[] Run(string loaderProject, string modelPath, string csvFile)
    {
        // This test assembly sits in tests/MlNetExtensions.Tests/bin/CONFIG/TFM/; the loader in tests/LOADER/bin/CONFIG/TFM/.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = testBin.Name, configuration = testBin.Parent!.Name;
        string testsFolder = testBin.Parent.Parent!.Parent!.Parent!.FullName;
        string dll = Path.Combine(testsFolder, loaderProject, "bin", configuration, tfm, loaderProject + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"The loader {loaderProject} was not built at {dll}.", dll);

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, modelPath, TestData.PathOf(csvFile) }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(); throw new TimeoutException($"{loaderProject} did not finish in 2 minutes."); }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{loaderProject} exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>A float the loader printed as its bits in hex.</summary>
    public static float FromBits(string hex) => BitConverter.Int32BitsToSingle(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
}
