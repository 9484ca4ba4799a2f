using System.Runtime.InteropServices;

namespace Verity.Rl.Checkpoints;

/// <summary>
/// fsync for files and directories. A checkpoint is published by renaming its folder; the rename is only
/// durable after the files' data and the parent directory entry reach the disk, hence both syncs.
/// </summary>
internal static class DurableFiles
{
    /// <summary>fsync one file; works for read-only files too (payloads may be hard links to read-only hub files).</summary>
    public static void SyncFile(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            int fd = Native.open(path, Native.O_RDONLY);
            if (fd < 0) throw new IOException($"cannot open {path} to sync it to disk (errno {Marshal.GetLastPInvokeError()}). HINT: check the run directory's permissions and free space");
            int rc = Native.fsync(fd);
            int errno = Marshal.GetLastPInvokeError();
            _ = Native.close(fd);
            if (rc != 0) throw new IOException($"fsync of {path} failed (errno {errno}); the checkpoint is not safe on disk. HINT: check free space and the file system of the run directory");
            return;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes bytes and fsyncs them before returning.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Best effort: .NET cannot open a directory as a stream, so on Linux call open/fsync directly.</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Native.open(path, Native.O_RDONLY | Native.O_DIRECTORY);
        if (fd < 0) return;
        _ = Native.fsync(fd);
        _ = Native.close(fd);
    }

    private static class Native
    {
        public const int O_RDONLY = 0;
        public const int O_DIRECTORY = 0x10000; // Linux x86-64 / arm64 value

#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks in this project; these three calls are not hot
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
#pragma warning restore SYSLIB1054
    }
}
