#Requires -Version 5.1
<#
.SYNOPSIS
    Gathers this PC's inventory and pushes it to ShopDB's computers collector.

.DESCRIPTION
    Reads the host name, serial number, operating system, logged-in user, CPU,
    memory, fixed disks and physical network adapters through CIM, and sends
    them as one JSON object to POST <Url>/api/collector/computers with the
    collector key in the X-API-Key header. Connection errors, timeouts, HTTP
    5xx and 429 are tried again with exponential back-off and jitter (a
    Retry-After header is honoured).

    Exit codes:
      0  pushed (prints the action: created, updated or noop), or -PrintOnly
      1  usage or other error (no key, unreadable key file, untrusted
         certificate, no collector at that URL, a reply that is not ShopDB's)
      2  the payload was rejected (HTTP 400, 409, 413, 415, 422)
      3  the key was refused (HTTP 401, 403)
      4  gave up after the retries

    Run it with powershell.exe -File (not -Command) so that the exit code
    reaches Task Scheduler. See docs/COLLECTORS.md in the ShopDB repository.

.PARAMETER Url
    ShopDB's base URL, such as https://shopdb.example. Default: $env:SHOPDB_URL.

.PARAMETER KeyFile
    A file holding the collector key. Without it the key comes from
    $env:SHOPDB_COLLECTOR_KEY.

.PARAMETER Key
    The key itself. Visible to other users in the process list: prefer
    -KeyFile or $env:SHOPDB_COLLECTOR_KEY. A warning is printed.

.PARAMETER DryRun
    Ask ShopDB what the push would do (?dryrun=true); nothing is written.

.PARAMETER PrintOnly
    Print the payload and exit 0 without sending anything.

.PARAMETER Retries
    How many times a failed push is tried again (default 5).

.PARAMETER TimeoutSec
    Seconds to wait for one reply (default 30).

.PARAMETER BackoffSeconds
    The first wait between tries (default 2); it doubles each time, with
    jitter, up to -MaxBackoffSeconds (default 300).

.PARAMETER Insecure
    Do not check the server's certificate. For a first test only: import the
    CA that signed ShopDB's certificate into the machine's trusted roots.

.PARAMETER NoSoftware
    Leave the installed software (uninstall registry keys) out of the push.

.PARAMETER SoftwareFilter
    Send only the software whose name matches one of these patterns
    (-like wildcards, case ignored), such as 'Zeiss*','*DNC*'. ShopDB may
    limit what it keeps as well (the applications plugin's softwarefilter).

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File shopdb-inventory.ps1 -Url https://shopdb.example -KeyFile C:\ProgramData\ShopDB\collector.key

.EXAMPLE
    .\shopdb-inventory.ps1 -PrintOnly
#>
[CmdletBinding()]
param(
    [string] $Url = $env:SHOPDB_URL,
    [string] $KeyFile,
    [string] $Key,
    [switch] $DryRun,
    [switch] $PrintOnly,
    [ValidateRange(0, 100)] [int] $Retries = 5,
    [ValidateRange(1, 3600)] [int] $TimeoutSec = 30,
    [ValidateRange(0, 3600)] [double] $BackoffSeconds = 2,
    [ValidateRange(0, 3600)] [double] $MaxBackoffSeconds = 300,
    [switch] $Insecure,
    [switch] $NoSoftware,
    [string[]] $SoftwareFilter = @()
)

$ErrorActionPreference = 'Stop'

$Version = '1.1.0'
$Endpoint = '/api/collector/computers'
$UserAgent = "shopdb-inventory/$Version (powershell $($PSVersionTable.PSVersion))"

$ExitOk = 0
$ExitOther = 1
$ExitRejected = 2
$ExitAuth = 3
$ExitGaveUp = 4

$RejectedStatus = @(400, 409, 413, 415, 422)
$AuthStatus = @(401, 403)
$TransientStatus = @(408, 429)   # and every 5xx

# What the computers collector takes: texts of at most 100 characters, at most
# 64 interfaces. Longer values are cut rather than have the push refused.
$TextLimit = 100
$InterfaceLimit = 64

# What the applications plugin's `software` part takes.
$SoftwareNameLimit = 200
$SoftwareLimit = 5000
$UninstallKeys = @(
    'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
    'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
)

$BytesPerMiB = 1048576      # memorymb is in MiB,
$BytesPerGiB = 1073741824   # diskgb in GiB (what Explorer calls MB and GB)

# Serial numbers that firmware vendors leave in place of a real one.
$JunkSerials = @(
    '0', '00000000', '0123456789', '1234567890', 'default string', 'none', 'n/a', 'na',
    'not applicable', 'not available', 'not specified', 'o.e.m.', 'oem',
    'system serial number', 'to be filled by o.e.m.', 'unknown'
)

# Adapters that call themselves physical but are not.
$VirtualAdapter = 'virtual|hyper-v|vmware|virtualbox|vpn|tap-|tunnel|loopback|miniport|' +
    'bluetooth|wireguard|zerotier|tailscale|fortinet|cisco anyconnect|pangp'


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

function Write-Problem([string] $Message) {
    [Console]::Error.WriteLine("shopdb-inventory: $Message")
}

function Stop-Run([int] $Code, [string] $Message) {
    if ($Message) { Write-Problem $Message }
    exit $Code
}

function Get-Clean($Value) {
    # A trimmed, single-spaced string, or $null for nothing useful.
    if ($null -eq $Value) { return $null }
    $text = (([string] $Value) -replace '\s+', ' ').Trim()
    if ($text.Length -eq 0) { return $null }
    if ($text.Length -gt $TextLimit) { $text = $text.Substring(0, $TextLimit).Trim() }
    return $text
}

function ConvertTo-Mac($Value) {
    # AA:BB:CC:DD:EE:FF, or $null for no MAC (or an all-zero one).
    $text = Get-Clean $Value
    if (-not $text -or $text -notmatch '^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}$') { return $null }
    $digits = ($text -replace '[^0-9A-Fa-f]', '').ToUpperInvariant()
    if ($digits -eq '000000000000' -or $digits -eq 'FFFFFFFFFFFF') { return $null }
    $pairs = for ($index = 0; $index -lt 12; $index += 2) { $digits.Substring($index, 2) }
    return ($pairs -join ':')
}

function Get-UsefulSerial($Value) {
    $text = Get-Clean $Value
    if (-not $text) { return $null }
    if ($JunkSerials -contains $text.ToLowerInvariant()) { return $null }
    if ($text -match '^[0\s-]+$') { return $null }
    return $text
}

function Get-ShortHostname($Value) {
    $text = Get-Clean $Value
    if (-not $text) { return $null }
    if ($text -notmatch '^\d+(\.\d+){3}$') { $text = $text.Split('.')[0] }
    if (-not $text) { return $null }
    return $text
}

function Get-Cim([string] $Class, [string] $Filter) {
    # The instances of a CIM class; none (and a warning) when it cannot be read.
    try {
        if ($Filter) {
            return @(Get-CimInstance -ClassName $Class -Filter $Filter -ErrorAction Stop)
        }
        return @(Get-CimInstance -ClassName $Class -ErrorAction Stop)
    } catch {
        Write-Problem "cannot read ${Class}: $($_.Exception.Message)"
        return @()
    }
}

function Get-Sum($Items, [string] $Property) {
    $values = @($Items | Where-Object { $null -ne $_.$Property } | ForEach-Object { [double] $_.$Property })
    if ($values.Count -eq 0) { return $null }
    return ($values | Measure-Object -Sum).Sum
}


# --------------------------------------------------------------------------
# Gathering
# --------------------------------------------------------------------------

function Get-Interfaces {
    # Adapters that are physical, bound to IP, and have a MAC; one entry per MAC.
    $physical = @{}
    foreach ($adapter in @(Get-Cim 'Win32_NetworkAdapter' 'PhysicalAdapter = TRUE')) {
        $physical[[int] $adapter.Index] = $adapter
    }
    $seen = @{}
    $found = New-Object System.Collections.ArrayList
    foreach ($config in @(Get-Cim 'Win32_NetworkAdapterConfiguration' 'IPEnabled = TRUE')) {
        $mac = ConvertTo-Mac $config.MACAddress
        if (-not $mac -or $seen.ContainsKey($mac)) { continue }
        $adapter = $physical[[int] $config.Index]
        if ($null -eq $adapter) { continue }   # a Hyper-V switch, a VPN, ...
        $description = Get-Clean $config.Description
        if ($description -and $description -match $VirtualAdapter) { continue }
        $name = Get-Clean $adapter.NetConnectionID   # "Ethernet", "Wi-Fi"
        if (-not $name) { $name = $description }
        if (-not $name) { $name = $mac }
        $entry = [ordered]@{ name = $name; macaddress = $mac }
        $ipv4 = @($config.IPAddress | Where-Object { $_ -match '^\d{1,3}(\.\d{1,3}){3}$' })
        if ($ipv4.Count -gt 0) { $entry.ipaddress = $ipv4[0] }
        $seen[$mac] = $true
        [void] $found.Add($entry)
        if ($found.Count -ge $InterfaceLimit) { break }
    }
    return , $found.ToArray()
}

function Get-Software {
    # Installed software from the uninstall registry keys (64- and 32-bit
    # views), without system components and updates (ParentKeyName); one entry
    # per name (case ignored), those -SoftwareFilter matches when it is given.
    $found = @{}
    $entries = @(Get-ItemProperty -Path $UninstallKeys -ErrorAction SilentlyContinue)
    foreach ($entry in $entries) {
        $name = Get-Clean $entry.DisplayName
        if (-not $name -or $entry.SystemComponent -eq 1 -or $entry.ParentKeyName) { continue }
        $name = (($name -split '\s+') -join ' ')
        if ($name.Length -gt $SoftwareNameLimit) { $name = $name.Substring(0, $SoftwareNameLimit).Trim() }
        $folded = $name.ToLowerInvariant()
        if ($found.ContainsKey($folded)) { continue }
        if ($SoftwareFilter.Count -gt 0) {
            $matched = $false
            foreach ($pattern in $SoftwareFilter) { if ($name -like $pattern) { $matched = $true } }
            if (-not $matched) { continue }
        }
        $item = [ordered]@{ name = $name }
        $version = Get-Clean $entry.DisplayVersion
        if ($version) { $item.version = $version }
        $vendor = Get-Clean $entry.Publisher
        if ($vendor) { $item.vendor = $vendor }
        $stamp = [string] $entry.InstallDate
        if ($stamp -match '^\d{8}$') {
            $day = [datetime]::MinValue
            if ([datetime]::TryParseExact($stamp, 'yyyyMMdd', [Globalization.CultureInfo]::InvariantCulture,
                    [Globalization.DateTimeStyles]::None, [ref] $day)) {
                $item.installdate = $day.ToString('yyyy-MM-dd')
            }
        }
        $found[$folded] = $item
    }
    $sorted = @($found.Keys | Sort-Object | ForEach-Object { $found[$_] })
    return , @($sorted | Select-Object -First $SoftwareLimit)
}

function Get-Inventory {
    # The payload: keys whose value was not found are left out, never null.
    $system = @(Get-Cim 'Win32_ComputerSystem') | Select-Object -First 1
    $os = @(Get-Cim 'Win32_OperatingSystem') | Select-Object -First 1
    $processor = @(Get-Cim 'Win32_Processor') | Select-Object -First 1
    $bios = @(Get-Cim 'Win32_BIOS') | Select-Object -First 1

    $payload = [ordered]@{}

    $hostname = $null
    if ($system) { $hostname = Get-ShortHostname $system.DNSHostName }
    if (-not $hostname -and $system) { $hostname = Get-ShortHostname $system.Name }
    if (-not $hostname) { $hostname = Get-ShortHostname $env:COMPUTERNAME }
    if ($hostname) { $payload.hostname = $hostname }

    if ($bios) {
        $serial = Get-UsefulSerial $bios.SerialNumber
        if ($serial) { $payload.serialnumber = $serial }
    }

    if ($os) {
        # "Microsoft Windows 11 Enterprise" and "10.0.22631": "Windows 11 Enterprise 10.0.22631"
        $caption = Get-Clean (([string] $os.Caption) -replace '^\s*Microsoft\s+', '')
        $name = Get-Clean ((@($caption, $os.Version) | Where-Object { $_ }) -join ' ')
        if ($name) { $payload.operatingsystem = $name }
    }

    if ($system) {
        $user = Get-Clean $system.UserName   # DOMAIN\user at the console; empty if nobody
        if ($user) { $payload.loggedinuser = $user }
    }

    if ($processor) {
        $cpu = Get-Clean $processor.Name
        if ($cpu) { $payload.cpu = $cpu }
    }

    # Installed memory (the modules' sizes); what Windows can use if unknown.
    $memory = Get-Sum (Get-Cim 'Win32_PhysicalMemory') 'Capacity'
    if (-not $memory -and $system -and $system.TotalPhysicalMemory) {
        $memory = [double] $system.TotalPhysicalMemory
    }
    if ($memory) { $payload.memorymb = [int64] [math]::Floor($memory / $BytesPerMiB) }

    # The sum of the sizes of the fixed disks' volumes (DriveType 3), in GiB.
    $disk = Get-Sum (Get-Cim 'Win32_LogicalDisk' 'DriveType = 3') 'Size'
    if ($disk) {
        $gigabytes = [int64] [math]::Round($disk / $BytesPerGiB)
        if ($gigabytes -gt 0) { $payload.diskgb = $gigabytes }
    }

    $interfaces = Get-Interfaces
    if ($interfaces.Count -gt 0) { $payload.interfaces = $interfaces }

    if (-not $NoSoftware) {
        $software = Get-Software
        if ($software.Count -gt 0) { $payload.software = $software }
    }

    return $payload
}


# --------------------------------------------------------------------------
# Pushing
# --------------------------------------------------------------------------

function Get-CollectorUri([string] $Base, [bool] $Dry) {
    $uri = $null
    $text = ([string] $Base).Trim()
    if (-not [Uri]::TryCreate($text, [UriKind]::Absolute, [ref] $uri) -or
        $uri.Scheme -notin @('http', 'https')) {
        Stop-Run $ExitOther "-Url must be an http:// or https:// URL, not '$Base'"
    }
    $path = $uri.AbsolutePath.TrimEnd('/')
    if (-not $path.EndsWith($Endpoint)) { $path += $Endpoint }
    $builder = New-Object System.UriBuilder $uri
    $builder.Path = $path
    $builder.Fragment = ''
    if ($Dry) { $builder.Query = 'dryrun=true' } else { $builder.Query = '' }
    return $builder.Uri
}

function Get-Shown([Uri] $Uri) {
    # The URL without a user name or password in it.
    return "$($Uri.Scheme)://$($Uri.Authority)$($Uri.PathAndQuery)"
}

function Get-CollectorKey {
    if ($KeyFile) {
        try {
            $text = [System.IO.File]::ReadAllText((Resolve-Path -LiteralPath $KeyFile).ProviderPath)
        } catch {
            Stop-Run $ExitOther "cannot read the key file: $($_.Exception.Message)"
        }
        $text = $text.Trim()
        if (-not $text) { Stop-Run $ExitOther "the key file $KeyFile is empty" }
        return $text
    }
    if ($Key) {
        Write-Problem 'a key on the command line is visible to other users in the process list; use -KeyFile or SHOPDB_COLLECTOR_KEY'
        return $Key.Trim()
    }
    if ($env:SHOPDB_COLLECTOR_KEY -and $env:SHOPDB_COLLECTOR_KEY.Trim()) {
        return $env:SHOPDB_COLLECTOR_KEY.Trim()
    }
    Stop-Run $ExitOther 'no key: set SHOPDB_COLLECTOR_KEY or pass -KeyFile (see Get-Help)'
}

function Get-RetryAfterSeconds($Response) {
    # Seconds from a Retry-After header (a number or an HTTP date), or $null.
    try {
        if ($Response -is [System.Net.WebResponse]) {
            # Windows PowerShell 5.1
            $value = $Response.Headers['Retry-After']
        } elseif ($null -ne $Response.Headers -and $null -ne $Response.Headers.RetryAfter) {
            # PowerShell 7: an HttpResponseMessage
            $header = $Response.Headers.RetryAfter
            if ($null -ne $header.Delta) { return $header.Delta.TotalSeconds }
            if ($null -ne $header.Date) {
                return [math]::Max(0, ($header.Date - [DateTimeOffset]::UtcNow).TotalSeconds)
            }
            return $null
        } else {
            return $null
        }
        if (-not $value) { return $null }
        $seconds = 0.0
        $invariant = [Globalization.CultureInfo]::InvariantCulture
        if ([double]::TryParse($value, [Globalization.NumberStyles]::Float, $invariant, [ref] $seconds)) {
            return [math]::Max(0, $seconds)
        }
        $date = [DateTimeOffset]::MinValue
        $style = [Globalization.DateTimeStyles]::AssumeUniversal
        if ([DateTimeOffset]::TryParse($value, $invariant, $style, [ref] $date)) {
            return [math]::Max(0, ($date - [DateTimeOffset]::UtcNow).TotalSeconds)
        }
    } catch {
        return $null
    }
    return $null
}

function Test-UntrustedCertificate($Exception) {
    # True when TLS failed on the certificate: trying again will not help.
    $current = $Exception
    while ($null -ne $current) {
        if ($current -is [System.Security.Authentication.AuthenticationException]) { return $true }
        if ($current -is [System.Net.WebException] -and
            $current.Status -eq [System.Net.WebExceptionStatus]::TrustFailure) { return $true }
        $current = $current.InnerException
    }
    return $false
}

function ConvertTo-Text($Content) {
    if ($null -eq $Content) { return '' }
    if ($Content -is [byte[]]) { return [Text.Encoding]::UTF8.GetString($Content) }
    return [string] $Content
}

function Send-Inventory([Uri] $Uri, [string] $ApiKey, [byte[]] $Body, [hashtable] $Extra) {
    # One POST: an object with Status (0 when no reply came), Text, RetryAfter
    # and Failure (why no reply came).
    $request = @{
        Uri             = $Uri
        Method          = 'Post'
        Body            = $Body
        ContentType     = 'application/json; charset=utf-8'
        Headers         = @{ 'X-API-Key' = $ApiKey; 'Accept' = 'application/json' }
        UserAgent       = $UserAgent
        TimeoutSec      = $TimeoutSec
        UseBasicParsing = $true
    }
    foreach ($name in $Extra.Keys) { $request[$name] = $Extra[$name] }
    try {
        $response = Invoke-WebRequest @request
        return [pscustomobject]@{
            Status = [int] $response.StatusCode; Text = ConvertTo-Text $response.Content
            RetryAfter = $null; Failure = $null; Exception = $null
        }
    } catch {
        $exception = $_.Exception
        $response = $null
        if ($exception.PSObject.Properties['Response']) { $response = $exception.Response }
        if ($null -eq $response) {
            return [pscustomobject]@{
                Status = 0; Text = ''; RetryAfter = $null
                Failure = $exception.Message; Exception = $exception
            }
        }
        $text = ''
        if ($_.ErrorDetails -and $_.ErrorDetails.Message) {
            $text = $_.ErrorDetails.Message
        } elseif ($response -is [System.Net.WebResponse]) {
            try {
                $reader = New-Object System.IO.StreamReader($response.GetResponseStream())
                $text = $reader.ReadToEnd()
                $reader.Dispose()
            } catch {
                $text = ''
            }
        }
        return [pscustomobject]@{
            Status = [int] $response.StatusCode; Text = $text
            RetryAfter = Get-RetryAfterSeconds $response; Failure = $null; Exception = $exception
        }
    }
}

function Read-ShopDbError([string] $Text) {
    # Code, Message and Details from ShopDB's error envelope, or the raw text.
    $result = [pscustomobject]@{ Code = ''; Message = ''; Details = $null }
    if (-not $Text) { return $result }
    try {
        $problem = (ConvertFrom-Json -InputObject $Text).data.error
        if ($null -eq $problem) { throw 'not an error envelope' }
        $result.Code = [string] $problem.code
        $result.Message = [string] $problem.message
        $result.Details = $problem.details
    } catch {
        $result.Message = $Text.Substring(0, [math]::Min(500, $Text.Length)).Trim()
    }
    return $result
}

function Format-ShopDbError($Problem) {
    $message = $Problem.Message
    if (-not $message) { $message = '(no message)' }
    if ($Problem.Code) { return "$($Problem.Code): $message" }
    return $message
}

function Write-Success([string] $Text) {
    try {
        $data = (ConvertFrom-Json -InputObject $Text).data
    } catch {
        $data = $null
    }
    if ($null -eq $data -or -not $data.action) {
        Stop-Run $ExitOther "the server's reply is not a ShopDB collector reply"
    }
    $line = [string] $data.action
    if ($data.dryrun) { $line = "dry run: would be $line" }
    if ($null -ne $data.assetid) { $line += " asset $($data.assetid)" }
    if ($data.identityvalue) { $line += " ($($data.identityvalue))" }
    [Console]::Out.WriteLine($line)
    if ($null -ne $data.changes) {
        foreach ($change in @($data.changes.PSObject.Properties | Sort-Object Name)) {
            $before = ConvertTo-Json -InputObject $change.Value.before -Compress
            $after = ConvertTo-Json -InputObject $change.Value.after -Compress
            [Console]::Out.WriteLine("  $($change.Name): $before -> $after")
        }
    }
}


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

$payload = Get-Inventory

if ($PrintOnly) {
    [Console]::Out.WriteLine((ConvertTo-Json -InputObject $payload -Depth 5))
    exit $ExitOk
}

if (-not $payload.Contains('hostname')) { Stop-Run $ExitOther "cannot find this computer's host name" }
if (-not $Url) { Stop-Run $ExitOther 'no URL: pass -Url or set SHOPDB_URL' }

$uri = Get-CollectorUri $Url $DryRun.IsPresent
$shown = Get-Shown $uri
$apiKey = Get-CollectorKey
$body = [Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $payload -Depth 5 -Compress))

# Windows PowerShell 5.1 may offer only TLS 1.0 by default.
try {
    [Net.ServicePointManager]::SecurityProtocol =
        [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
} catch {
    Write-Problem "cannot enable TLS 1.2: $($_.Exception.Message)"
}

$extra = @{}
if ($Insecure) {
    Write-Problem "-Insecure: the server's certificate is not checked"
    if ($PSVersionTable.PSVersion.Major -ge 6) {
        $extra['SkipCertificateCheck'] = $true
    } else {
        [Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
    }
}

$random = New-Object System.Random
$attempts = $Retries + 1
for ($attempt = 1; $attempt -le $attempts; $attempt++) {
    $wait = $null
    $result = Send-Inventory $uri $apiKey $body $extra
    if ($result.Status -eq 0) {
        if (Test-UntrustedCertificate $result.Exception) {
            Stop-Run $ExitOther ("the server's certificate is not trusted ($($result.Failure)); " +
                'import the CA that signed it into the trusted root certificates')
        }
        $problem = "cannot reach ${shown}: $($result.Failure)"
    } elseif ($result.Status -ge 200 -and $result.Status -lt 300) {
        Write-Success $result.Text
        exit $ExitOk
    } else {
        $status = $result.Status
        $shopdbError = Read-ShopDbError $result.Text
        $described = Format-ShopDbError $shopdbError
        $softwareRefused = $status -eq 400 -and $payload.Contains('software') -and
            $null -ne $shopdbError.Details -and
            @($shopdbError.Details.software) -contains 'Unknown field.'
        if ($softwareRefused) {
            # No applications plugin on this ShopDB: push the rest (once, not a retry).
            Write-Problem ('this ShopDB takes no installed software (its applications plugin is ' +
                'not installed); pushed without it. -NoSoftware stops this warning')
            $payload.Remove('software')
            $body = [Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $payload -Depth 5 -Compress))
            $attempt--
            continue
        }
        if ($RejectedStatus -contains $status) {
            Write-Problem "the payload was rejected (HTTP $status) $described"
            $details = $shopdbError.Details
            if ($null -ne $details -and @($details.PSObject.Properties).Count -gt 0) {
                Write-Problem ('details: ' + (ConvertTo-Json -InputObject $details -Depth 5 -Compress))
            }
            exit $ExitRejected
        }
        if ($AuthStatus -contains $status) {
            Stop-Run $ExitAuth "the key was refused (HTTP $status) by $shown $($described -replace '\.$', ''); check the key, and -Url (a wrong path is refused before it is looked up)"
        }
        if (-not ($TransientStatus -contains $status) -and $status -lt 500) {
            if ($status -eq 404) {
                Stop-Run $ExitOther ("HTTP 404 $described at ${shown}: " +
                    'check -Url and that the computers plugin is installed')
            }
            Stop-Run $ExitOther "HTTP $status $described (from $shown)"
        }
        $problem = "HTTP $status $described"
        $wait = $result.RetryAfter
    }
    if ($attempt -ge $attempts) {
        Stop-Run $ExitGaveUp "gave up after $attempts attempt(s): $problem"
    }
    $backoff = [math]::Min($MaxBackoffSeconds, $BackoffSeconds * [math]::Pow(2, $attempt - 1))
    $delay = $backoff / 2 + $random.NextDouble() * $backoff / 2   # jitter
    if ($null -ne $wait) { $delay = [math]::Max($delay, [math]::Min($wait, $MaxBackoffSeconds)) }
    Write-Problem ("attempt {0} failed ({1}); retrying in {2:0.0} s" -f $attempt, $problem, $delay)
    Start-Sleep -Milliseconds ([int] [math]::Ceiling($delay * 1000))
}
exit $ExitGaveUp
