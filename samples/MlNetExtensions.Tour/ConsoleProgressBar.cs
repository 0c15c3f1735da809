using MlNetExtensions;

namespace MlNetExtensions.Tour;

/// <summary>Shows a running comparison as a bar on a terminal, or as one line per finished candidate when redirected.</summary>
internal sealed class ConsoleProgressBar : IProgress<TrainerComparisonProgress>
{
    private const int Width = 24;

    public void Report(TrainerComparisonProgress value)
    {
        bool finished = value.Stage is TrainerComparisonStage.Done or TrainerComparisonStage.Failed;
        int completed = value.Index + (finished ? 1 : 0);
        if (Console.IsOutputRedirected)
        {
            if (finished) Console.WriteLine($"  [{completed}/{value.Count}] {value.Name}: {value.Stage}");
            return;
        }
        int filled = Width * completed / value.Count;
        string line = $"  [{new string('#', filled)}{new string('.', Width - filled)}] {completed}/{value.Count} {value.Name}: {value.Stage}";
        Console.Write("\r" + line.PadRight(Math.Max(line.Length, Console.WindowWidth - 1)));
        if (finished && completed == value.Count) Console.WriteLine();
    }
}
