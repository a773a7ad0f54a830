<?php
/**
 * Builds a small blog with WordPress's own PHP API and writes its WXR export with
 * WordPress's own exporter (export_wp()). Run by make_export.sh, in two steps:
 *
 *   php make_export.php install   create the tables (wp_install), as the installer does
 *   php make_export.php content   write posts, pages, comments and an image; print the WXR
 *
 * Reads WP_EXPORT_WORK (a temporary folder holding wp-content/) and WP_EXPORT_DB (an empty
 * MariaDB database on 127.0.0.1, user root) from the environment. No WordPress code is kept
 * in the repository: this runs against Debian's package (/usr/share/wordpress).
 */

$step = $argv[1] ?? '';
$work = getenv( 'WP_EXPORT_WORK' );
$db   = getenv( 'WP_EXPORT_DB' );
if ( ! in_array( $step, array( 'install', 'content' ), true ) || ! $work || ! $db ) {
	fwrite( STDERR, "usage: WP_EXPORT_WORK=DIR WP_EXPORT_DB=NAME php make_export.php install|content\n" );
	exit( 2 );
}

// What wp-config.php holds; a web request would have set these $_SERVER keys.
$_SERVER['HTTP_HOST']       = 'oldblog.example';
$_SERVER['SERVER_NAME']     = 'oldblog.example';
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
define( 'ABSPATH', '/usr/share/wordpress/' );
define( 'DB_NAME', $db );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', '127.0.0.1:3306' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
define( 'WP_SITEURL', 'https://oldblog.example' );
define( 'WP_HOME', 'https://oldblog.example' );
define( 'WP_CONTENT_DIR', $work . '/wp-content' );
define( 'WP_CONTENT_URL', 'https://oldblog.example/wp-content' );
define( 'DISABLE_WP_CRON', true );
define( 'WP_DEBUG', false );  // WordPress 6.1's Requests library is full of PHP 8.2 deprecations
define( 'WP_DEBUG_DISPLAY', false );
$table_prefix = 'wp_';

if ( 'install' === $step ) {
	define( 'WP_INSTALLING', true );
	// The "new site" mail: not sent (pluggable.php defines wp_mail() only if it is not).
	function wp_mail() {
		return true;
	}
	require ABSPATH . 'wp-settings.php';
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	// Makes the admin (user 1), "Hello world!" (post 1) with its comment, "Sample Page" (2)
	// and the draft "Privacy Policy" (3), as a new blog has.
	wp_install( 'Old Blog', 'admin', 'admin@oldblog.example', true, '', 'not-a-password' );
	exit( 0 );
}

require ABSPATH . 'wp-settings.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/export.php';

function must( $result ) {
	if ( is_wp_error( $result ) || ! $result ) {
		fwrite( STDERR, 'WordPress refused: ' . ( is_wp_error( $result ) ? $result->get_error_message() : var_export( $result, true ) ) . "\n" );
		exit( 1 );
	}
	return $result;
}

function post( $fields ) {
	return must( wp_insert_post( $fields + array( 'post_author' => 1, 'post_status' => 'publish' ), true ) );
}

function comment( $fields ) {
	$fields += array(
		'comment_approved'  => 1,
		'comment_type'      => 'comment',
		'comment_author_IP' => '192.0.2.10',
		'comment_agent'     => 'Mozilla/5.0',
	);
	$fields['comment_date_gmt'] = get_gmt_from_date( $fields['comment_date'] );
	return must( wp_insert_comment( $fields ) );
}

// The admin writes, as in wp-admin: unfiltered_html, so kses leaves block markup alone.
wp_set_current_user( 1 );
update_option( 'timezone_string', 'Europe/Madrid' );
update_option( 'blogdescription', 'Coffee, cities and code' );
global $wp_rewrite;
$wp_rewrite->set_permalink_structure( '/%year%/%monthnum%/%day%/%postname%/' );

// What wp_install() wrote is dated "now": fixed dates (in SQL, as wp_install() wrote
// them, so no _wp_old_date is recorded), so that a regenerated file differs only where
// WordPress's output changed.
global $wpdb;
$wpdb->query( "UPDATE {$wpdb->posts} SET post_date = '2024-01-05 09:00:00', post_date_gmt = '2024-01-05 08:00:00' WHERE ID IN (1, 2, 3)" );
$wpdb->query( "UPDATE {$wpdb->comments} SET comment_date = '2024-01-05 09:30:00', comment_date_gmt = '2024-01-05 08:30:00'" );
clean_post_cache( 1 );

$maria = must( wp_insert_user( array(
	'user_login'   => 'maria',
	'user_pass'    => 'not-a-password',
	'user_email'   => 'maria@oldblog.example',
	'first_name'   => 'María',
	'last_name'    => 'García',
	'display_name' => 'María García',
	'role'         => 'author',
) ) );

$food   = must( wp_insert_term( 'Food & Drink', 'category', array( 'description' => 'What we eat' ) ) );
$coffee = must( wp_insert_term( 'Coffee', 'category', array( 'parent' => $food['term_id'], 'description' => 'Beans, roasts, cups' ) ) );
$travel = must( wp_insert_term( 'Travel', 'category' ) );

// A block-editor post; its image block is filled in once the image exists.
$espresso_post = post( array(
	'post_title'    => 'Espresso at home',
	'post_date'     => '2024-03-10 08:30:00',
	'post_category' => array( $coffee['term_id'] ),
	'tags_input'    => array( 'espresso', 'home barista' ),
	'post_author'   => $maria,
	'post_content'  => "<!-- wp:paragraph -->\n<p>A good espresso needs <strong>fresh beans</strong> and patience.</p>\n<!-- /wp:paragraph -->\n\n"
		. "<!-- wp:heading -->\n<h2>The grind</h2>\n<!-- /wp:heading -->\n\n"
		. "<!-- wp:list -->\n<ul><li>Fine, like table salt</li><li>18 grams</li></ul>\n<!-- /wp:list -->",
) );

// The photo: a JPEG made by make_export.sh in the uploads folder, attached to that post,
// with the sizes WordPress makes of it (GD) and its alt text.
$uploads = wp_upload_dir( '2024/03' );
$file    = $uploads['path'] . '/espresso.jpg';
$photo   = must( wp_insert_attachment( array(
	'post_title'     => 'espresso',
	'post_excerpt'   => 'A double, just pulled',
	'post_content'   => '',
	'post_status'    => 'inherit',
	'post_mime_type' => 'image/jpeg',
	'post_date'      => '2024-03-10 08:20:00',
	'guid'           => $uploads['url'] . '/espresso.jpg',
), $file, $espresso_post, true ) );
wp_update_attachment_metadata( $photo, wp_generate_attachment_metadata( $photo, $file ) );
update_post_meta( $photo, '_wp_attachment_image_alt', 'A cup of espresso on a wooden table' );
set_post_thumbnail( $espresso_post, $photo );
$medium = wp_get_attachment_image_src( $photo, 'medium' );
wp_update_post( array(
	'ID'           => $espresso_post,
	'post_content' => get_post( $espresso_post )->post_content . "\n\n"
		. '<!-- wp:image {"id":' . $photo . ',"sizeSlug":"medium","linkDestination":"none"} -->' . "\n"
		. '<figure class="wp-block-image size-medium"><img src="' . $medium[0] . '" alt="A cup of espresso on a wooden table" class="wp-image-' . $photo . '"/>'
		. '<figcaption class="wp-element-caption">A double, just pulled</figcaption></figure>' . "\n<!-- /wp:image -->",
) );

// Comments on it: a thread, one held, one spam, and a pingback.
$first = comment( array(
	'comment_post_ID'      => $espresso_post,
	'comment_author'       => 'Lupe',
	'comment_author_email' => 'lupe@example.com',
	'comment_author_url'   => 'https://lupe.example/',
	'comment_content'      => "Which beans do you use?\n\nI like a darker roast.",
	'comment_date'         => '2024-03-10 10:00:00',
) );
comment( array(
	'comment_post_ID'      => $espresso_post,
	'comment_author'       => 'María García',
	'comment_author_email' => 'maria@oldblog.example',
	'comment_content'      => 'A medium roast from the market, <em>never</em> older than a month.',
	'comment_date'         => '2024-03-10 11:15:00',
	'comment_parent'       => $first,
	'user_id'              => $maria,
) );
comment( array(
	'comment_post_ID'      => $espresso_post,
	'comment_author'       => 'Tom',
	'comment_author_email' => 'tom@example.com',
	'comment_content'      => 'Waiting for moderation: is a moka pot good enough?',
	'comment_date'         => '2024-03-11 09:00:00',
	'comment_approved'     => '0',
) );
comment( array(
	'comment_post_ID'      => $espresso_post,
	'comment_author'       => 'Cheap Pills',
	'comment_author_email' => 'spam@spam.example',
	'comment_author_url'   => 'https://spam.example/',
	'comment_content'      => 'Great post! Visit my site.',
	'comment_date'         => '2024-03-11 10:00:00',
	'comment_approved'     => 'spam',
) );
comment( array(
	'comment_post_ID'      => $espresso_post,
	'comment_author'       => 'Bean Blog &raquo; Home espresso round-up',
	'comment_author_url'   => 'https://beanblog.example/2024/03/12/round-up/',
	'comment_content'      => '[&#8230;] María explains the grind in Espresso at home [&#8230;]',
	'comment_date'         => '2024-03-12 07:00:00',
	'comment_type'         => 'pingback',
	'comment_author_IP'    => '198.51.100.7',
	'comment_agent'        => 'WordPress/6.1.9; https://beanblog.example',
) );

// A classic-editor post: paragraphs are blank lines, made on display by wpautop().
$classic = post( array(
	'post_title'    => 'Notes from Lisbon',
	'post_date'     => '2024-02-20 18:45:00',
	'post_category' => array( $travel['term_id'] ),
	'tags_input'    => array( 'lisbon', 'trams' ),
	'post_excerpt'  => 'Trams, tiles and a very small coffee.',
	'post_content'  => "We arrived late.\nThe tram was still running.\n\nNext morning: <em>pastéis de nata</em> and a <a href=\"https://example.com/bica\">bica</a>.\n\n<!--more-->\n\nThe rest of the trip was rain.",
) );
stick_post( $classic );

post( array(
	'post_title'    => 'Café con leche',
	'post_date'     => '2024-03-15 07:10:00',
	'post_category' => array( $coffee['term_id'] ),
	'tags_input'    => array( 'café' ),
	'post_content'  => "<!-- wp:paragraph -->\n<p>Half coffee, half hot milk.</p>\n<!-- /wp:paragraph -->",
) );
post( array(
	'post_title'   => 'Привет, мир',
	'post_date'    => '2024-03-16 12:00:00',
	'post_content' => "<!-- wp:paragraph -->\n<p>Кофе и города.</p>\n<!-- /wp:paragraph -->",
) );
// Two posts with one title: the second gets the slug weekly-links-2.
post( array( 'post_title' => 'Weekly links', 'post_date' => '2024-03-01 09:00:00', 'post_content' => 'Links of the first week.' ) );
post( array( 'post_title' => 'Weekly links', 'post_date' => '2024-03-08 09:00:00', 'post_content' => 'Links of the second week.' ) );

// A draft's date "floats": WordPress writes post_date_gmt 0000-00-00 00:00:00 and no slug.
post( array( 'post_title' => 'Half-written thoughts', 'post_status' => 'draft', 'post_date' => '2024-03-20 20:00:00', 'post_content' => 'Not ready yet.' ) );
// Published with a date to come: WordPress stores it as "future".
post( array( 'post_title' => 'Coffee in 2030', 'post_date' => '2030-06-01 09:00:00', 'post_content' => 'Written ahead.' ) );
post( array( 'post_title' => 'Just for me', 'post_status' => 'private', 'post_date' => '2024-03-05 22:00:00', 'post_content' => 'A private note.' ) );

$about = post( array(
	'post_type'    => 'page',
	'post_title'   => 'About',
	'post_date'    => '2024-01-02 10:00:00',
	'menu_order'   => 1,
	'post_content' => "<!-- wp:paragraph -->\n<p>Who writes here.</p>\n<!-- /wp:paragraph -->",
) );
post( array(
	'post_type'    => 'page',
	'post_title'   => 'Team',
	'post_date'    => '2024-01-03 10:00:00',
	'post_parent'  => $about,
	'menu_order'   => 2,
	'post_content' => "<!-- wp:paragraph -->\n<p>María and the admin.</p>\n<!-- /wp:paragraph -->",
) );

// post_modified is "now" when written: fixed too.
$wpdb->query( "UPDATE {$wpdb->posts} SET post_modified = '2024-04-01 12:00:00', post_modified_gmt = '2024-04-01 10:00:00'" );
clean_post_cache( 1 );
wp_cache_flush();

ob_start();
export_wp( array( 'content' => 'all' ) );
echo ob_get_clean();
