<?php

declare(strict_types=1);

// The timing loop of the PHP benches (bench.php, tokens.php).

/**
 * Median microseconds per call of each function, over `$rounds` rounds of about 0.2 s each.
 * The rounds alternate between the functions, so a change in the machine's load falls on all
 * of them alike and their ratios hold.
 *
 * @param array<string, callable> $fns
 * @return array<string, array{float, int}> name => [median us per call, iterations per round]
 */
function measure(array $fns, int $rounds): array
{
    $iterations = [];
    foreach ($fns as $name => $fn) {
        $n = 1000;
        for (;;) {
            $start = hrtime(true);
            for ($i = 0; $i < $n; $i++) {
                $fn();
            }
            $elapsed = hrtime(true) - $start;
            if ($elapsed > 50_000_000) {
                break;
            }
            $n *= 4;
        }
        $iterations[$name] = max(1000, (int) ($n * 200_000_000 / $elapsed));
    }
    $perCall = array_fill_keys(array_keys($fns), []);
    for ($r = 0; $r < $rounds; $r++) {
        foreach ($fns as $name => $fn) {
            $n = $iterations[$name];
            $start = hrtime(true);
            for ($i = 0; $i < $n; $i++) {
                $fn();
            }
            $perCall[$name][] = (hrtime(true) - $start) / $n / 1000;
        }
    }
    $result = [];
    foreach ($perCall as $name => $times) {
        sort($times);
        $result[$name] = [$times[intdiv(count($times), 2)], $iterations[$name]];
    }
    return $result;
}
