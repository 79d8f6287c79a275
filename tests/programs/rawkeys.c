/* A vi-style raw-mode program: switches its terminal to raw mode, reports
 * each key it reads until 'q', and puts the terminal back as it was. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
	struct termios saved, raw, after;
	struct winsize ws;
	if (tcgetattr(0, &saved) < 0 || ioctl(0, TIOCGWINSZ, &ws) < 0) {
		perror("not a terminal");
		return 2;
	}
	raw = saved;
	raw.c_iflag &= ~(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
	raw.c_oflag &= ~OPOST;
	raw.c_cflag |= CS8;
	raw.c_lflag &= ~(ECHO | ICANON | IEXTEN | ISIG);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSAFLUSH, &raw) < 0)
		return 3;
	printf("size %dx%d\r\nready\r\n", ws.ws_row, ws.ws_col);
	fflush(stdout);
	for (;;) {
		unsigned char c;
		if (read(0, &c, 1) != 1)
			break;
		printf("key %02x\r\n", c);
		fflush(stdout);
		if (c == 'q')
			break;
	}
	tcsetattr(0, TCSAFLUSH, &saved);
	tcgetattr(0, &after);
	int same = saved.c_iflag == after.c_iflag && saved.c_oflag == after.c_oflag &&
		   saved.c_lflag == after.c_lflag &&
		   memcmp(saved.c_cc, after.c_cc, sizeof saved.c_cc) == 0;
	printf("restored %d\nbye\n", same);
	return 0;
}
