using System.Runtime.InteropServices;
using Verity.Engine.Kernels;

namespace Verity.Cli.Bench;

/// <summary>One line describing where the numbers were measured (CPU model, cores, memory, runtime, GEMM path).</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        string cpu = CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString();
        double gib = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {gib:0} GiB, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, GEMM path {Gemm.Path}";
    }

    private static string? CpuModel()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal))
                    return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return null;
    }
}
