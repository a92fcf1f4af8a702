#!/usr/bin/env bash
# Prints its pid, process group and session: "pid pgrp session".
stat=$(cat /proc/$$/stat)
set -- ${stat##*) }
echo "$$ $3 $4"
