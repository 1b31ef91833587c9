# Console `help` (an overlay: see meter.con_dispatch).
HELP = (
    "help                 this list",
    "version              firmware version",
    "status               key=value lines",
    "lcd                  the LCD text as shown",
    "key <keys>           press keys, e.g. key 1234# (! before a key = hold)",
    "token <20 digits>    type and submit a token",
    "log [n]              last n events (default 10)",
    "tids                 the used-TID record",
    "energy               energy figures",
    "time [set <local>]   wall time and its source; set e.g. 2024-05-01T18:30 (engineering jumper)",
    "regdump              metering IC registers",
    "cal voltage|current|power <ref>  calibrate (engineering jumper)",
    "relaytest            open the relay briefly (engineering jumper)",
    "config               boot report (never shows the key)",
    "loglevel [level]     error|warn|info|debug",
    "reboot               restart the meter",
    "repl                 stop the meter for the REPL after a restart (engineering jumper)",
    "resume               leave safe mode and restart (engineering jumper)",
)


def cmd_help(console, args):
    return HELP
