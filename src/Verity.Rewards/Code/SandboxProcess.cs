using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Verity.Rewards.Code;

/// <summary>
/// One running sandboxed process (bwrap → setpriv → python3 harness) with its pipes. stdout is read either whole
/// (stdio tests) or as protocol lines (serve/judge); stdout, each protocol line and stderr are capped at
/// <see cref="CodeLimits.MaxOutputBytes"/>: crossing a cap kills the process and sets <see cref="OutputOverflowed"/>
/// (verdict OLE) — output is never silently cut.
/// </summary>
internal sealed class SandboxProcess : IDisposable
{
    private readonly Process _process;
    private readonly int _cap;
    private readonly Channel<string>? _lines;
    private readonly MemoryStream? _stdout;
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly StringBuilder _stderrTail = new();
    private int _overflow;
    private int _killed;
    private int _disposed;

    private readonly Action _onKill;

    // onKill is called when this process is killed: the sandbox then checks the uid for survivors before reuse.
    // A run that ended on its own needs no check: its pid-namespace init only finishes exiting once every process
    // in the namespace is gone.
    public SandboxProcess(ProcessStartInfo start, bool lineMode, int cap, Action onKill)
    {
        _cap = cap;
        _onKill = onKill;
        _process = Process.Start(start) ?? throw new InvalidOperationException("bwrap did not start");
        if (lineMode) _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        else _stdout = new MemoryStream();
        _stdoutPump = Task.Run(PumpStdout);
        _stderrPump = Task.Run(PumpStderr);
    }

    public bool OutputOverflowed => Volatile.Read(ref _overflow) != 0;

    public bool WasKilled => Volatile.Read(ref _killed) != 0;

    public bool HasExited => _process.HasExited;

    public string StderrTail { get { lock (_stderrTail) return _stderrTail.ToString(); } }

    /// <summary>Whole stdout (collect mode), valid once the process has exited and the pumps drained.</summary>
    public byte[] Stdout => _stdout!.ToArray();

    /// <summary>Writes to stdin; false when the process is gone (broken pipe).</summary>
    public async Task<bool> WriteAsync(ReadOnlyMemory<byte> data, bool close)
    {
        try
        {
            var stdin = _process.StandardInput.BaseStream;
            await stdin.WriteAsync(data);
            await stdin.FlushAsync();
            if (close) stdin.Close();
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Next protocol line; null at end of stream. Throws <see cref="TimeoutException"/> when none comes in time.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _lines!.Reader.WaitToReadAsync(cts.Token) && _lines.Reader.TryRead(out var line) ? line : null;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException();
        }
    }

    /// <summary>Waits for exit and for both pipes to drain; false on timeout (the caller kills).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL to bwrap and everything under it. bwrap's pid-namespace init dies with it, and the kernel
    /// then kills every process left in the namespace (--die-with-parent covers the window before).</summary>
    public void Kill()
    {
        Interlocked.Exchange(ref _killed, 1);
        _onKill();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception) { }
    }

    private void Overflow()
    {
        Interlocked.Exchange(ref _overflow, 1);
        Kill();
    }

    private async Task PumpStdout()
    {
        var stream = _process.StandardOutput.BaseStream;
        var buffer = new byte[65536];
        var line = new MemoryStream();
        try
        {
            while (true)
            {
                int n = await stream.ReadAsync(buffer);
                if (n == 0) break;
                if (_stdout is not null)
                {
                    if (_stdout.Length + n > _cap) { Overflow(); break; }
                    _stdout.Write(buffer, 0, n);
                    continue;
                }
                int start = 0;
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n') continue;
                    line.Write(buffer, start, i - start);
                    _lines!.Writer.TryWrite(Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length));
                    line.SetLength(0);
                    start = i + 1;
                }
                line.Write(buffer, start, n - start);
                if (line.Length > _cap) { Overflow(); break; }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
        finally
        {
            _lines?.Writer.TryComplete();
        }
    }

    private async Task PumpStderr()
    {
        var stream = _process.StandardError.BaseStream;
        var buffer = new byte[65536];
        long total = 0;
        try
        {
            while (true)
            {
                int n = await stream.ReadAsync(buffer);
                if (n == 0) break;
                total += n;
                if (total > _cap) { Overflow(); break; }
                lock (_stderrTail)
                {
                    _stderrTail.Append(Encoding.UTF8.GetString(buffer, 0, n));
                    if (_stderrTail.Length > 4096) _stderrTail.Remove(0, _stderrTail.Length - 4096);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
    }

    /// <summary>Ends the process: closing stdin lets a serve/judge harness exit on its own (no kill, no reaping);
    /// one that does not within a moment is killed.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!_process.HasExited)
        {
            try { _process.StandardInput.Close(); } catch (Exception ex) when (ex is IOException or InvalidOperationException) { }
            if (!_process.WaitForExit(200)) Kill();
        }
        try { _process.WaitForExit(2000); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
